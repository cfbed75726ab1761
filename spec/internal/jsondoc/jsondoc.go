// Package jsondoc reads OpenAPI documents written in JSON or YAML into plain
// Go values and writes them back as canonical JSON, so that the tools that
// produce spec/ (the slicer and the overlay step) give the same bytes for the
// same document.
//
// Values are maps (map[string]any), slices ([]any), strings, bools, nil and
// json.Number: numbers survive exactly as written.
package jsondoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Decode reads a JSON or YAML document.
func Decode(src []byte) (any, error) {
	trimmed := bytes.TrimLeft(src, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return nil, errors.New("the document is empty")
	}
	if trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("the document is not valid JSON: %w", err)
		}
		return v, nil
	}
	var n yaml.Node
	if err := yaml.Unmarshal(src, &n); err != nil {
		return nil, fmt.Errorf("the document is neither JSON nor valid YAML: %w", err)
	}
	return FromYAML(&n)
}

// FromYAML converts a parsed YAML node (a document, or any node in one) into
// plain values. Aliases are expanded; mapping keys must be scalars.
func FromYAML(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, errors.New("the YAML document is empty")
		}
		return FromYAML(n.Content[0])
	case yaml.AliasNode:
		return FromYAML(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("YAML line %d: a mapping key must be a scalar", k.Line)
			}
			v, err := FromYAML(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := FromYAML(c)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("YAML line %d: unsupported node", n.Line)
}

func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("YAML line %d: %w", n.Line, err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, fmt.Errorf("YAML line %d: %w", n.Line, err)
		}
		return json.Number(strconv.FormatInt(i, 10)), nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("YAML line %d: %w", n.Line, err)
		}
		b, err := json.Marshal(f)
		if err != nil {
			return nil, fmt.Errorf("YAML line %d: number %q: %w", n.Line, n.Value, err)
		}
		return json.Number(b), nil
	default:
		return n.Value, nil
	}
}

// Encode writes v as JSON with two-space indentation, sorted keys, no HTML
// escaping and a final newline: the form of every JSON file in spec/.
func Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding JSON: %w", err)
	}
	return buf.Bytes(), nil
}
