package api_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/ghpackages/restore/api"
)

func TestOwnerKindsPathsAndStrings(t *testing.T) {
	tests := []struct {
		owner             api.Owner
		kind              api.OwnerKind
		login, path, text string
	}{
		{api.Org("acme"), api.OwnerOrg, "acme", "/orgs/acme", "acme"},
		{api.Org("ü-org"), api.OwnerOrg, "ü-org", "/orgs/%C3%BC-org", "ü-org"},
		{api.User("octo"), api.OwnerUser, "octo", "/users/octo", "octo"},
		{api.User("@me"), api.OwnerMe, "", "/user", "@me"},
		{api.Me(), api.OwnerMe, "", "/user", "@me"},
		{api.Owner{}, "", "", "", ""},
	}
	for _, tt := range tests {
		o := tt.owner
		if o.Kind() != tt.kind || o.Login() != tt.login || o.Path() != tt.path || o.String() != tt.text {
			t.Errorf("%#v: kind %q login %q path %q string %q; want %q %q %q %q", o, o.Kind(), o.Login(), o.Path(), o.String(), tt.kind, tt.login, tt.path, tt.text)
		}
	}
	if api.User("@me") != api.Me() {
		t.Error(`User("@me") != Me()`)
	}
	if !(api.Owner{}).IsZero() || api.Me().IsZero() {
		t.Error("IsZero")
	}
}

func TestOwnerValidateNamesTheField(t *testing.T) {
	tests := []struct {
		owner api.Owner
		field string // "" = valid
	}{
		{api.Org("acme"), ""},
		{api.User("octo-cat"), ""},
		{api.Me(), ""},
		{api.Owner{}, "owner"},
		{api.Org(""), "org"},
		{api.Org(".."), "org"},
		{api.Org("a/b"), "org"},
		{api.Org("a%2Fb"), "org"},
		{api.Org("@me"), "org"},
		{api.User(""), "username"},
		{api.User(" "), "username"},
		{api.User("a?b"), "username"},
		{api.User("@octo"), "username"},
		{api.User("a\nb"), "username"},
	}
	for _, tt := range tests {
		err := tt.owner.Validate()
		var ve *api.ValidationError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%v: %v", tt.owner, err)
		case tt.field != "" && (!errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, api.ErrInvalidInput)):
			t.Errorf("%#v: err %v, want a ValidationError for %q", tt.owner, err, tt.field)
		}
	}
}

func TestOwnerJSON(t *testing.T) {
	for _, tt := range []struct {
		owner api.Owner
		json  string
	}{
		{api.Org("acme"), `{"org":"acme"}`},
		{api.User("octo"), `{"user":"octo"}`},
		{api.Me(), `{"user":"@me"}`},
	} {
		b, err := json.Marshal(tt.owner)
		if err != nil || string(b) != tt.json {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.owner, b, err, tt.json)
		}
		var back api.Owner
		if err := json.Unmarshal(b, &back); err != nil || back != tt.owner {
			t.Errorf("Unmarshal(%s) = %#v, %v", b, back, err)
		}
	}
	pkg := api.Package{Owner: api.Me(), Type: api.PackageTypeContainer, Name: "team/app"}
	b, _ := json.Marshal(pkg)
	if want := `{"owner":{"user":"@me"},"package_type":"container","package_name":"team/app"}`; string(b) != want {
		t.Errorf("package JSON %s, want %s", b, want)
	}
	if pkg.String() != "@me/container/team/app" {
		t.Errorf("String() = %q", pkg.String())
	}
	for _, bad := range []string{`{}`, `{"org":"a","user":"b"}`, `{"team":"x"}`, `{"org":"a/b"}`, `{"user":""}`, `"acme"`, `{"org":1}`} {
		var o api.Owner
		if err := json.Unmarshal([]byte(bad), &o); !errors.Is(err, api.ErrInvalidInput) {
			t.Errorf("Unmarshal(%s): %v, want ErrInvalidInput", bad, err)
		}
	}
}

func TestOperationIDsPerOwner(t *testing.T) {
	tests := []struct {
		op   api.Operation
		kind api.OwnerKind
		want string
	}{
		{api.OpRestoreVersion, api.OwnerOrg, "packages/restore-package-version-for-org"},
		{api.OpRestoreVersion, api.OwnerUser, "packages/restore-package-version-for-user"},
		{api.OpRestoreVersion, api.OwnerMe, "packages/restore-package-version-for-authenticated-user"},
		{api.OpListVersions, api.OwnerOrg, "packages/get-all-package-versions-for-package-owned-by-org"},
		{api.OpListVersions, api.OwnerUser, "packages/get-all-package-versions-for-package-owned-by-user"},
		{api.OpListVersions, api.OwnerMe, "packages/get-all-package-versions-for-package-owned-by-authenticated-user"},
		{api.OpGetVersion, api.OwnerOrg, "packages/get-package-version-for-organization"},
		{api.OpGetVersion, api.OwnerUser, "packages/get-package-version-for-user"},
		{api.OpGetVersion, api.OwnerMe, "packages/get-package-version-for-authenticated-user"},
		{api.OpRestorePackage, api.OwnerOrg, "packages/restore-package-for-org"},
		{api.OpRestorePackage, api.OwnerUser, "packages/restore-package-for-user"},
		{api.OpRestorePackage, api.OwnerMe, "packages/restore-package-for-authenticated-user"},
		{api.OpListPackages, api.OwnerOrg, "packages/list-packages-for-organization"},
		{api.OpListPackages, api.OwnerUser, "packages/list-packages-for-user"},
		{api.OpListPackages, api.OwnerMe, "packages/list-packages-for-authenticated-user"},
		{api.OpRateLimit, "", "rate-limit/get"},
		{api.OpRateLimit, api.OwnerMe, "rate-limit/get"},
		{api.OpRestoreVersion, "", ""},
		{api.Operation(0), api.OwnerOrg, ""},
		{api.Operation(99), api.OwnerOrg, ""},
	}
	for _, tt := range tests {
		if got := tt.op.ID(tt.kind); got != tt.want {
			t.Errorf("%v.ID(%q) = %q, want %q", tt.op, tt.kind, got, tt.want)
		}
	}
}
