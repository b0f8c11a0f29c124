package scim

// projection applies attributes / excludedAttributes (RFC 7644 §3.4.2.5,
// §3.9). Names it does not know are ignored.
type projection struct {
	include, exclude []attrPath
}

func newProjection(include, exclude []string) projection {
	return newProjectionFor(userBinder, include, exclude)
}

// newProjectionFor is newProjection for the resource type whose schema b
// binds to.
func newProjectionFor(b binder, include, exclude []string) projection {
	bindAll := func(names []string) []attrPath {
		var out []attrPath
		for _, n := range names {
			if ext := isExtension(n); ext != "" { // the whole extension
				out = append(out, attrPath{URI: ext})
				continue
			}
			p, err := parseAttrPath(n)
			if err != nil {
				continue
			}
			if b.bindPath(&p, nil, false) == nil {
				out = append(out, p)
			}
		}
		return out
	}
	return projection{include: bindAll(include), exclude: bindAll(exclude)}
}

// apply returns res reduced as the projection says. id and schemas are
// returned always (RFC 7643 §7: returned "always").
func (pr projection) apply(res resource) resource {
	if len(pr.include) == 0 && len(pr.exclude) == 0 {
		return res
	}
	if len(pr.include) > 0 {
		out := resource{"id": res["id"], "schemas": res["schemas"]}
		for _, p := range pr.include {
			if p.def == nil { // the whole extension
				if v, ok := res[p.URI]; ok {
					out[p.URI] = v
				}
				continue
			}
			src, dst := container(res, p.def), out
			if isExtension(p.def.schema) != "" {
				if src == nil {
					continue
				}
				dst = extensionOf(out, p.def.schema)
			}
			v, ok := src[p.def.Name]
			if !ok {
				continue
			}
			if p.subDef == nil {
				dst[p.def.Name] = v
				continue
			}
			dst[p.def.Name] = mergeSub(dst[p.def.Name], v, p.subDef.Name)
		}
		return out
	}
	out := resource{}
	for k, v := range res {
		out[k] = v
	}
	for _, p := range pr.exclude {
		if p.def == nil {
			delete(out, p.URI)
			continue
		}
		if p.def.Returned == "always" {
			continue
		}
		if ext := isExtension(p.def.schema); ext != "" {
			if m, ok := out[ext].(map[string]any); ok {
				c := map[string]any{}
				for k, v := range m {
					if k != p.def.Name {
						c[k] = v
					}
				}
				if p.subDef != nil {
					if v, ok := m[p.def.Name]; ok {
						c[p.def.Name] = withoutSub(v, p.subDef.Name)
					}
				}
				out[ext] = c
			}
			continue
		}
		if p.subDef == nil {
			delete(out, p.def.Name)
			continue
		}
		out[p.def.Name] = withoutSub(out[p.def.Name], p.subDef.Name)
	}
	return out
}

// mergeSub adds sub-attribute sub of v (an object or a list of objects) to
// dst, which holds what earlier attribute names selected of the same
// attribute.
func mergeSub(dst, v any, sub string) any {
	switch x := v.(type) {
	case map[string]any:
		m, _ := dst.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		if sv, ok := x[sub]; ok {
			m[sub] = sv
		}
		return m
	case []any:
		list, _ := dst.([]any)
		if len(list) != len(x) {
			list = make([]any, len(x))
			for i := range list {
				list[i] = map[string]any{}
			}
		}
		for i, item := range x {
			if im, ok := item.(map[string]any); ok {
				if sv, ok := im[sub]; ok {
					list[i].(map[string]any)[sub] = sv
				}
			}
		}
		return list
	}
	return dst
}

// withoutSub returns a copy of v (an object or a list of objects) without
// sub-attribute sub.
func withoutSub(v any, sub string) any {
	strip := func(m map[string]any) map[string]any {
		c := make(map[string]any, len(m))
		for k, x := range m {
			if k != sub {
				c[k] = x
			}
		}
		return c
	}
	switch x := v.(type) {
	case map[string]any:
		return strip(x)
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			if m, ok := item.(map[string]any); ok {
				out[i] = strip(m)
			} else {
				out[i] = item
			}
		}
		return out
	}
	return v
}
