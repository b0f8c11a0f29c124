package scim

import (
	"slices"
	"strings"
	"time"

	"github.com/appintegration/appintegration/store"
)

// sortResources orders list as the store orders a sort by the attribute p
// names (RFC 7644 §3.4.2.3): strings as the schema's caseExact says,
// unassigned values (null or "", RFC 7643 §2.5) last when ascending and first
// when descending, ties by userName in the same direction. Multi-valued
// attributes sort by their primary value, else their first. The store answers
// lists; this is the oracle its tests compare with.
func sortResources(list []resource, p attrPath, descending bool) {
	type pair struct {
		r    resource
		k    any
		name string
	}
	pairs := make([]pair, len(list))
	for i, r := range list {
		name, _ := r["userName"].(string)
		pairs[i] = pair{r, sortKey(r, p), store.Fold(name)}
	}
	t := p.target()
	slices.SortStableFunc(pairs, func(a, b pair) int {
		c := compareKeys(a.k, b.k, t)
		if c == 0 {
			c = strings.Compare(a.name, b.name)
		}
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
				return present([]any{it[p.subDef.Name]})
			}
		}
		if len(items) > 0 {
			return present([]any{items[0][p.subDef.Name]})
		}
		return nil
	}
	return present(pathValues(res, p))
}

// compareKeys orders two sort keys, each a list of at most one present
// value; none sorts after everything.
func compareKeys(ka, kb any, d *attrDef) int {
	la, _ := ka.([]any)
	lb, _ := kb.([]any)
	switch {
	case len(la) == 0 && len(lb) == 0:
		return 0
	case len(la) == 0:
		return 1
	case len(lb) == 0:
		return -1
	}
	a, b := la[0], lb[0]
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
		x, y = store.Fold(x), store.Fold(y)
	}
	return strings.Compare(x, y)
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}
