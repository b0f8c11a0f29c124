package scim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
)

// patchRequest is a PATCH body (RFC 7644 §3.5.2). encoding/json matches the
// field names case-insensitively, so "operations" works as well.
type patchRequest struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

// patchOp is one operation. Op is matched case-insensitively: Entra ID sends
// "Replace" and "Add".
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// maxPatchOps bounds the operations of one PATCH request.
const maxPatchOps = 100

// applyPatch applies the operations of req to doc, a user in its SCIM form,
// in order (RFC 7644 §3.5.2: all or nothing — the caller saves the result only
// when every operation succeeded). Errors are *Error.
func applyPatch(doc resource, req patchRequest) error {
	if !containsFold(req.Schemas, schemaPatchOp) {
		return badRequest(typeInvalidSyntax, "schemas must hold %s.", schemaPatchOp)
	}
	if len(req.Operations) == 0 {
		return badRequest(typeInvalidSyntax, "Operations is empty.")
	}
	if len(req.Operations) > maxPatchOps {
		return badRequest(typeInvalidSyntax, "Operations holds more than %d operations.", maxPatchOps)
	}
	for i, op := range req.Operations {
		if err := applyOp(doc, op); err != nil {
			if e := asError(err); e != nil {
				return &Error{Status: e.Status, ScimType: e.ScimType, Detail: fmt.Sprintf("Operations[%d]: %s", i, e.Detail)}
			}
			return err
		}
	}
	if v, ok := doc["active"]; !ok || v == nil {
		// Removing "active", or setting it to null (the same, RFC 7643
		// §2.5), deactivates: a user without it would otherwise be read as
		// active again.
		doc["active"] = false
	}
	return nil
}

func applyOp(doc resource, op patchOp) error {
	kind := strings.ToLower(op.Op)
	if kind != "add" && kind != "replace" && kind != "remove" {
		return badRequest(typeInvalidSyntax, "op %q is not add, replace or remove.", truncate(op.Op, 20))
	}
	var value any
	hasValue := len(op.Value) > 0 && string(op.Value) != "null"
	if hasValue {
		if err := json.Unmarshal(op.Value, &value); err != nil {
			return badRequest(typeInvalidSyntax, "value is not valid JSON.")
		}
	}
	if strings.TrimSpace(op.Path) == "" {
		if kind == "remove" {
			return badRequest(typeNoTarget, "remove needs a path.")
		}
		obj, ok := value.(map[string]any)
		if !ok {
			return badRequest(typeInvalidValue, "without a path, value must be an object of attributes.")
		}
		return applyObject(doc, kind, obj, "")
	}
	p, err := parsePatchPath(op.Path)
	if err != nil {
		return badRequest(typeInvalidPath, "path: %v.", err)
	}
	if kind != "remove" && !hasValue {
		return badRequest(typeInvalidValue, "%s needs a value.", kind)
	}
	return applyPath(doc, kind, p, value, hasValue)
}

// applyObject applies a path-less add or replace: every key of obj is a path
// (RFC 7644 §3.5.2.1 and §3.5.2.3). Entra ID sends dotted keys here
// ("name.givenName") and schema URNs as keys of nested objects. Read-only
// attributes are skipped, as RFC 7644 §3.5.2 lets a client send them back.
func applyObject(doc resource, kind string, obj map[string]any, inExtension string) error {
	for k, v := range obj {
		if ext := isExtension(k); ext != "" || strings.EqualFold(k, SchemaUser) {
			m, ok := v.(map[string]any)
			if !ok {
				return badRequest(typeInvalidValue, "%s must be an object.", k)
			}
			if err := applyObject(doc, kind, m, ext); err != nil {
				return err
			}
			continue
		}
		key := k
		if inExtension != "" {
			key = inExtension + ":" + k
		}
		p, err := parsePatchPath(key)
		if err != nil {
			return badRequest(typeInvalidPath, "attribute %q: %v.", truncate(k, 60), err)
		}
		if p.Extension == "" && p.Attr.target().Mutability == "readOnly" {
			continue
		}
		if err := applyPath(doc, kind, p, v, true); err != nil {
			return err
		}
	}
	return nil
}

// applyPath applies one operation to the attribute p names.
func applyPath(doc resource, kind string, p patchPath, value any, hasValue bool) error {
	if p.Extension != "" {
		if kind == "remove" {
			delete(doc, p.Extension)
			return nil
		}
		m, ok := value.(map[string]any)
		if !ok {
			return badRequest(typeInvalidValue, "the value for %s must be an object.", p.Extension)
		}
		return applyObject(doc, kind, m, p.Extension)
	}
	d := p.Attr.def
	if d == schemasAttr || p.Attr.target().Mutability == "readOnly" || (p.FilterSub != nil && p.FilterSub.Mutability == "readOnly") {
		return badRequest(typeMutability, "%s is read-only.", p)
	}
	holder := container(doc, d)
	if holder == nil {
		holder = extensionOf(doc, d.schema)
	}
	switch {
	case p.Filter != nil:
		return applyFiltered(holder, kind, p, value)
	case p.Attr.subDef != nil:
		return applySub(holder, kind, d, p.Attr.subDef, value)
	case d.MultiValued:
		return applyMulti(holder, kind, d, value, hasValue)
	case d.Type == typeComplex:
		if kind == "remove" {
			delete(holder, d.Name)
			return nil
		}
		if s, ok := value.(string); ok && d.sub("value") != nil {
			// Entra ID sends the manager as its id alone.
			value = map[string]any{"value": s}
		}
		m, ok := normalizeValue(d, value).(map[string]any)
		if !ok {
			return badRequest(typeInvalidValue, "the value for %s must be an object.", d.Name)
		}
		cur, _ := holder[d.Name].(map[string]any)
		if cur == nil {
			cur = map[string]any{}
		}
		for k, v := range m { // RFC 7644 §3.5.2.3: sub-attributes not given stay
			if d.sub(k).Mutability != "readOnly" {
				cur[k] = v
			}
		}
		holder[d.Name] = cur
		return nil
	}
	if kind == "remove" {
		delete(holder, d.Name)
		return nil
	}
	holder[d.Name] = normalizeValue(d, value)
	return nil
}

// applySub sets or removes sub-attribute s of attribute d without a filter:
// "name.givenName", or "emails.type" for every value.
func applySub(holder resource, kind string, d, s *attrDef, value any) error {
	if s.Mutability == "readOnly" {
		return badRequest(typeMutability, "%s.%s is read-only.", d.Name, s.Name)
	}
	if !d.MultiValued {
		cur, _ := holder[d.Name].(map[string]any)
		if kind == "remove" {
			if cur != nil {
				delete(cur, s.Name)
			}
			return nil
		}
		if cur == nil {
			cur = map[string]any{}
			holder[d.Name] = cur
		}
		cur[s.Name] = normalizeValue(s, value)
		return nil
	}
	items := asItems(holder[d.Name])
	if len(items) == 0 && kind != "remove" {
		holder[d.Name] = []any{map[string]any{s.Name: normalizeValue(s, value)}}
		return nil
	}
	for _, it := range items {
		if kind == "remove" {
			delete(it, s.Name)
		} else {
			it[s.Name] = normalizeValue(s, value)
		}
	}
	return nil
}

// applyMulti adds to, replaces or removes a whole multi-valued attribute.
// remove with a value removes the values given (as Entra ID sends it for
// roles), matched on value or display.
func applyMulti(holder resource, kind string, d *attrDef, value any, hasValue bool) error {
	if kind == "remove" && !hasValue {
		delete(holder, d.Name)
		return nil
	}
	vals, _ := normalizeValue(d, value).([]any)
	for _, v := range vals {
		switch v.(type) {
		case map[string]any:
		case string: // a role given by its value alone; checkRoles reads it
			if d.Name != "roles" {
				return badRequest(typeInvalidValue, "the values of %s must be objects.", d.Name)
			}
		default:
			return badRequest(typeInvalidValue, "the values of %s must be objects.", d.Name)
		}
	}
	cur, _ := holder[d.Name].([]any)
	switch kind {
	case "replace":
		holder[d.Name] = vals
		clearOtherPrimaries(vals, vals)
	case "add":
		var added []any
		for _, v := range vals {
			if !containsValue(cur, v) {
				cur = append(cur, v)
				added = append(added, v)
			}
		}
		holder[d.Name] = cur
		clearOtherPrimaries(cur, added)
	case "remove":
		var keep []any
		for _, c := range cur {
			if !containsValue(vals, c) {
				keep = append(keep, c)
			}
		}
		holder[d.Name] = keep
	}
	return nil
}

// applyFiltered applies an operation to the values a filter selects.
func applyFiltered(holder resource, kind string, p patchPath, value any) error {
	d := p.Attr.def
	var list []any
	if d.MultiValued {
		list, _ = holder[d.Name].([]any)
	} else if m, ok := holder[d.Name].(map[string]any); ok {
		list = []any{m}
	}
	var hit []any
	var keep []any
	for _, v := range list {
		m, ok := v.(map[string]any)
		if ok && matches(p.Filter, m) {
			hit = append(hit, v)
			continue
		}
		keep = append(keep, v)
	}
	if len(hit) == 0 && kind != "add" {
		// RFC 7644 §3.5.2.2, §3.5.2.3: a value filter that selects nothing
		// has no target to replace or remove.
		return newError(http.StatusBadRequest, typeNoTarget, "no value of %s matches the filter.", d.Name)
	}
	if kind == "remove" {
		if p.FilterSub == nil {
			if d.MultiValued {
				holder[d.Name] = keep
			} else if len(hit) > 0 {
				delete(holder, d.Name)
			}
			return nil
		}
		for _, v := range hit {
			delete(v.(map[string]any), p.FilterSub.Name)
		}
		return nil
	}
	if len(hit) == 0 {
		// An add through a value filter that selects nothing adds the value
		// the filter describes: emails[type eq "work"].value on a user who
		// has no work address yet.
		seed, ok := filterSeed(p.Filter)
		if !ok || !d.MultiValued {
			return newError(http.StatusBadRequest, typeNoTarget, "no value of %s matches the filter.", d.Name)
		}
		if p.FilterSub != nil {
			seed[p.FilterSub.Name] = normalizeValue(p.FilterSub, value)
		} else {
			m, ok := normalizeValue(d, value).([]any)
			if ok && len(m) == 1 {
				if obj, ok := m[0].(map[string]any); ok {
					for k, v := range obj {
						seed[k] = v
					}
				}
			}
		}
		list = append(list, seed)
		holder[d.Name] = list
		clearOtherPrimaries(list, []any{seed})
		return nil
	}
	for _, v := range hit {
		m := v.(map[string]any)
		if p.FilterSub != nil {
			if p.FilterSub.Mutability == "readOnly" {
				return badRequest(typeMutability, "%s.%s is read-only.", d.Name, p.FilterSub.Name)
			}
			m[p.FilterSub.Name] = normalizeValue(p.FilterSub, value)
			continue
		}
		obj, ok := normalizeSingle(d, value).(map[string]any)
		if !ok {
			return badRequest(typeInvalidValue, "the value for %s must be an object.", p)
		}
		if kind == "replace" {
			for k := range m {
				delete(m, k)
			}
		}
		for k, sv := range obj {
			m[k] = sv
		}
	}
	if d.MultiValued {
		clearOtherPrimaries(list, hit)
	}
	return nil
}

// filterSeed returns the sub-attribute values a filter of eq comparisons
// joined by and fixes, e.g. {"type": "work"}; ok is false for any other
// filter.
func filterSeed(e expr) (map[string]any, bool) {
	switch e := e.(type) {
	case *compareExpr:
		if e.Op != "eq" || e.Value == nil {
			return nil, false
		}
		return map[string]any{e.Path.subDef.Name: e.Value}, true
	case *logicalExpr:
		if e.Op != "and" {
			return nil, false
		}
		l, ok := filterSeed(e.Left)
		if !ok {
			return nil, false
		}
		r, ok := filterSeed(e.Right)
		if !ok {
			return nil, false
		}
		for k, v := range r {
			l[k] = v
		}
		return l, true
	}
	return nil, false
}

// clearOtherPrimaries sets primary to false on every value of list but the
// first of changed that is primary (RFC 7644 §3.5.2: at most one value is
// primary, and the one just set wins).
func clearOtherPrimaries(list, changed []any) {
	var winner map[string]any
	for _, v := range changed {
		if m, ok := v.(map[string]any); ok && m["primary"] == true {
			winner = m
			break
		}
	}
	if winner == nil {
		return
	}
	for _, v := range list {
		if m, ok := v.(map[string]any); ok && !sameMap(m, winner) && m["primary"] == true {
			m["primary"] = false
		}
	}
}

// sameMap reports whether a and b are the same map (not equal contents).
func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// containsValue reports whether list holds a value equal to v: complex
// values are compared on "value", case-insensitively, and a role also
// matches by its display name.
func containsValue(list []any, v any) bool {
	for _, x := range list {
		if sameValue(x, v) {
			return true
		}
	}
	return false
}

func sameValue(a, b any) bool {
	ka, kb := valueKey(a), valueKey(b)
	if ka != "" && ka == kb {
		return true
	}
	if (ka != "" && displayKey(b) == ka) || (kb != "" && displayKey(a) == kb) {
		return true
	}
	// A role named only by its display name on one side ({"display":"DW
	// Viewer"}, as some connectors send removals) matches by display name.
	da, db := displayKey(a), displayKey(b)
	return (ka == "" || kb == "") && da != "" && da == db
}

// valueKey is the "value" of a complex value (or a plain string), lower case.
func valueKey(v any) string {
	switch x := v.(type) {
	case string:
		return strings.ToLower(x)
	case map[string]any:
		if s, ok := x["value"].(string); ok {
			return strings.ToLower(s)
		}
	}
	return ""
}

func displayKey(v any) string {
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["display"].(string); ok {
			return strings.ToLower(s)
		}
	}
	return ""
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
