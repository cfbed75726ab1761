package jsondoc

import (
	"strings"
	"testing"
)

func TestDecodeEncode(t *testing.T) {
	const want = `{
  "a": [
    1,
    2.5,
    true,
    null,
    "x<y"
  ],
  "big": 12345678901234567,
  "n": "007"
}
`
	for _, tc := range []struct{ name, src string }{
		{"JSON", `{"n":"007","big":12345678901234567,"a":[1,2.5,true,null,"x<y"]}`},
		{"YAML", "n: '007'\nbig: 12345678901234567\na: [1, 2.5, true, ~, x<y]\n"},
		{"YAML alias", "x: &v [1, 2.5, true, null, x<y]\na: *v\nbig: 12345678901234567\nn: \"007\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Decode([]byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if m, ok := v.(map[string]any); ok {
				delete(m, "x")
			}
			got, err := Encode(v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"  \n", "empty"},
		{`{"a":`, "not valid JSON"},
		{"a: [", "neither JSON nor valid YAML"},
		{"? [a, b]\n: c\n", "mapping key must be a scalar"},
	} {
		if _, err := Decode([]byte(tc.src)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Decode(%q) = %v, want an error containing %q", tc.src, err, tc.want)
		}
	}
}
