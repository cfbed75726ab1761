package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ghpackages/restore/spec/internal/jsondoc"
)

// ProvenanceKey is the extension under info that records where a slice came from.
const ProvenanceKey = "x-slice-provenance"

// httpMethods are the operation keys of a path item.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Provenance says which upstream document a slice was cut from and how.
type Provenance struct {
	UpstreamTitle   string   `json:"upstream_title"`
	UpstreamVersion string   `json:"upstream_version"`
	UpstreamSHA256  string   `json:"upstream_sha256"`
	Operations      []string `json:"operations"`
}

// Slice cuts the operations named in ops, and exactly the components they
// reference (transitively), out of the OpenAPI 3.0.x document in src (JSON or
// YAML). The result is indented JSON with sorted keys: the same input gives
// the same bytes.
//
// When src is itself a slice (its info carries ProvenanceKey), the upstream
// title, version and checksum recorded there are kept, so that slicing a slice
// again with the same list gives the same bytes.
func Slice(src []byte, ops []string) ([]byte, error) {
	if len(ops) == 0 {
		return nil, errors.New("slice: the operation list is empty")
	}
	if dup := firstDuplicate(ops); dup != "" {
		return nil, fmt.Errorf("slice: operation %q is listed twice", dup)
	}
	doc, err := decode(src)
	if err != nil {
		return nil, err
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("slice: the document is not an object")
	}
	if err := checkVersion(root); err != nil {
		return nil, err
	}
	info, _ := root["info"].(map[string]any)
	if info == nil {
		return nil, errors.New("slice: the document has no info object")
	}
	paths, _ := root["paths"].(map[string]any)
	if paths == nil {
		return nil, errors.New("slice: the document has no paths object")
	}

	prov := Provenance{Operations: slices.Clone(ops)}
	sum := sha256.Sum256(src)
	prov.UpstreamSHA256 = hex.EncodeToString(sum[:])
	prov.UpstreamTitle, _ = info["title"].(string)
	prov.UpstreamVersion, _ = info["version"].(string)
	if prev, ok := info[ProvenanceKey].(map[string]any); ok {
		prov.UpstreamTitle, _ = prev["upstream_title"].(string)
		prov.UpstreamVersion, _ = prev["upstream_version"].(string)
		prov.UpstreamSHA256, _ = prev["upstream_sha256"].(string)
	}

	keptPaths, tagsUsed, err := keepOperations(paths, ops)
	if err != nil {
		return nil, err
	}

	components, _ := root["components"].(map[string]any)
	keptComponents, err := closure(keptPaths, components)
	if err != nil {
		return nil, err
	}

	out := map[string]any{
		"openapi": root["openapi"],
		"paths":   keptPaths,
	}
	newInfo := make(map[string]any, len(info)+1)
	for k, v := range info {
		newInfo[k] = v
	}
	newInfo[ProvenanceKey] = provenanceValue(prov)
	out["info"] = newInfo
	for _, k := range []string{"servers", "externalDocs", "security"} {
		if v, ok := root[k]; ok {
			out[k] = v
		}
	}
	if tags, ok := root["tags"].([]any); ok {
		var kept []any
		for _, t := range tags {
			if m, ok := t.(map[string]any); ok {
				if name, _ := m["name"].(string); tagsUsed[name] {
					kept = append(kept, t)
				}
			}
		}
		if len(kept) > 0 {
			out["tags"] = kept
		}
	}
	if len(keptComponents) > 0 {
		out["components"] = keptComponents
	}
	return encode(out)
}

func firstDuplicate(ops []string) string {
	seen := make(map[string]bool, len(ops))
	for _, op := range ops {
		if seen[op] {
			return op
		}
		seen[op] = true
	}
	return ""
}

func checkVersion(root map[string]any) error {
	if _, ok := root["swagger"]; ok {
		return errors.New("slice: the document is Swagger 2.0, not OpenAPI 3.0.x")
	}
	v, _ := root["openapi"].(string)
	if v == "" {
		return errors.New("slice: the document has no openapi version field; it is not OpenAPI 3.0.x")
	}
	if !strings.HasPrefix(v, "3.0.") {
		return fmt.Errorf("slice: the document is OpenAPI %s; only 3.0.x is supported", v)
	}
	return nil
}

// keepOperations returns the path items reduced to the listed operations,
// and the tags those operations use.
func keepOperations(paths map[string]any, ops []string) (map[string]any, map[string]bool, error) {
	want := make(map[string]bool, len(ops))
	for _, op := range ops {
		want[op] = true
	}
	found := make(map[string]string, len(ops))
	kept := map[string]any{}
	tags := map[string]bool{}
	for _, p := range sortedKeys(paths) {
		item, ok := paths[p].(map[string]any)
		if !ok {
			continue
		}
		var keptItem map[string]any
		for _, m := range httpMethods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			id, _ := op["operationId"].(string)
			if !want[id] {
				continue
			}
			if prev, dup := found[id]; dup {
				return nil, nil, fmt.Errorf("slice: operationId %q appears twice upstream (%s and %s %s)", id, prev, strings.ToUpper(m), p)
			}
			found[id] = strings.ToUpper(m) + " " + p
			if keptItem == nil {
				keptItem = map[string]any{}
				for k, v := range item {
					if !slices.Contains(httpMethods, k) {
						keptItem[k] = v // path-level parameters, summary, servers...
					}
				}
			}
			keptItem[m] = op
			if ts, ok := op["tags"].([]any); ok {
				for _, t := range ts {
					if s, ok := t.(string); ok {
						tags[s] = true
					}
				}
			}
		}
		if keptItem != nil {
			kept[p] = keptItem
		}
	}
	var missing []string
	for _, op := range ops {
		if _, ok := found[op]; !ok {
			missing = append(missing, op)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("slice: unknown operationId(s) not found upstream: %s", strings.Join(missing, ", "))
	}
	return kept, tags, nil
}

type componentRef struct{ kind, name string }

// closure returns exactly the components reachable by $ref from the kept
// paths, following references inside components too (cycles included).
func closure(paths map[string]any, components map[string]any) (map[string]any, error) {
	seen := map[componentRef]bool{}
	var queue []componentRef
	var walkErr error
	visit := func(ref string) {
		if walkErr != nil {
			return
		}
		c, err := parseRef(ref)
		if err != nil {
			walkErr = err
			return
		}
		if !seen[c] {
			seen[c] = true
			queue = append(queue, c)
		}
	}
	walkRefs(paths, visit)
	out := map[string]any{}
	for len(queue) > 0 && walkErr == nil {
		c := queue[0]
		queue = queue[1:]
		section, _ := components[c.kind].(map[string]any)
		v, ok := section[c.name]
		if !ok {
			return nil, fmt.Errorf("slice: dangling $ref %q: no such component", "#/components/"+c.kind+"/"+escapePointer(c.name))
		}
		dst, _ := out[c.kind].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			out[c.kind] = dst
		}
		dst[c.name] = v
		walkRefs(v, visit)
	}
	if walkErr != nil {
		return nil, walkErr
	}
	return out, nil
}

// walkRefs calls fn for every "$ref" string in v.
func walkRefs(v any, fn func(string)) {
	switch t := v.(type) {
	case map[string]any:
		if r, ok := t["$ref"].(string); ok {
			fn(r)
		}
		for _, k := range sortedKeys(t) {
			if k == "$ref" {
				continue
			}
			walkRefs(t[k], fn)
		}
	case []any:
		for _, e := range t {
			walkRefs(e, fn)
		}
	}
}

// parseRef accepts only local references into components.
func parseRef(ref string) (componentRef, error) {
	if !strings.HasPrefix(ref, "#") {
		return componentRef{}, fmt.Errorf("slice: remote $ref %q refused: a slice must be self-contained", ref)
	}
	parts := strings.Split(strings.TrimPrefix(ref, "#"), "/")
	// "", "components", kind, name, [deeper...]
	if len(parts) < 4 || parts[0] != "" || parts[1] != "components" || parts[2] == "" || parts[3] == "" {
		return componentRef{}, fmt.Errorf("slice: $ref %q does not point into #/components; not supported", ref)
	}
	return componentRef{kind: unescapePointer(parts[2]), name: unescapePointer(parts[3])}, nil
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func provenanceValue(p Provenance) map[string]any {
	ops := make([]any, len(p.Operations))
	for i, o := range p.Operations {
		ops[i] = o
	}
	return map[string]any{
		"upstream_title":   p.UpstreamTitle,
		"upstream_version": p.UpstreamVersion,
		"upstream_sha256":  p.UpstreamSHA256,
		"operations":       ops,
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// decode reads JSON or YAML into maps, slices, strings, bools, nil and
// json.Number, so that numbers survive exactly as written.
func decode(src []byte) (any, error) {
	v, err := jsondoc.Decode(src)
	if err != nil {
		return nil, fmt.Errorf("slice: %w", err)
	}
	return v, nil
}

// encode writes v as JSON with two-space indentation, sorted keys, no HTML
// escaping and a final newline.
func encode(v any) ([]byte, error) {
	b, err := jsondoc.Encode(v)
	if err != nil {
		return nil, fmt.Errorf("slice: encoding the slice: %w", err)
	}
	return b, nil
}
