package scim

import (
	"slices"
	"strings"
	"time"
)

// sortResources orders list by the attribute p names (RFC 7644 §3.4.2.3):
// strings as the schema's caseExact says, unassigned values last when
// ascending. Multi-valued attributes sort by their primary value, else their
// first.
func sortResources(list []resource, p attrPath, descending bool) {
	type pair struct {
		r resource
		k any
	}
	pairs := make([]pair, len(list))
	for i, r := range list {
		pairs[i] = pair{r, sortKey(r, p)}
	}
	t := p.target()
	slices.SortStableFunc(pairs, func(a, b pair) int {
		c := compareKeys(a.k, b.k, t)
		if descending {
			return -c
		}
		return c
	})
	for i := range pairs {
		list[i] = pairs[i].r
	}
}

func sortKey(res resource, p attrPath) any {
	if p.def.MultiValued && p.subDef != nil {
		items := asItems(container(res, p.def)[p.def.Name])
		for _, it := range items {
			if it["primary"] == true {
				return it[p.subDef.Name]
			}
		}
		if len(items) > 0 {
			return items[0][p.subDef.Name]
		}
		return nil
	}
	if vals := present(pathValues(res, p)); len(vals) > 0 {
		return vals[0]
	}
	return nil
}

// compareKeys orders two sort keys; nil sorts after everything.
func compareKeys(a, b any, d *attrDef) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	switch d.Type {
	case typeBoolean:
		x, _ := toBool(a)
		y, _ := toBool(b)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case typeDateTime:
		x, _ := time.Parse(time.RFC3339Nano, asString(a))
		y, _ := time.Parse(time.RFC3339Nano, asString(b))
		return x.Compare(y)
	}
	x, y := asString(a), asString(b)
	if !d.CaseExact {
		x, y = strings.ToLower(x), strings.ToLower(y)
	}
	return strings.Compare(x, y)
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}
