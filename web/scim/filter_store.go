package scim

import (
	"fmt"
	"strings"
	"time"

	"github.com/appintegration/appintegration/store"
)

// storeFilter translates a bound filter into the store's filter, which the
// database evaluates: the same meaning as matches has on a resource
// (toResource of the user), which the tests hold it to. Attributes that
// follow from others are rewritten: groups to roles, meta.location to id,
// schemas and meta.resourceType to what every User has. Errors are
// invalidFilter messages safe to show: for attributes the store does not
// filter on (addresses, certificates, references, meta.version).
func (t translator) storeFilter(e expr) (store.Filter, error) {
	switch e := e.(type) {
	case *logicalExpr:
		l, err := t.storeFilter(e.Left)
		if err != nil {
			return nil, err
		}
		r, err := t.storeFilter(e.Right)
		if err != nil {
			return nil, err
		}
		if e.Op == "and" {
			return store.FilterAnd{Left: l, Right: r}, nil
		}
		return store.FilterOr{Left: l, Right: r}, nil
	case *notExpr:
		x, err := t.storeFilter(e.X)
		return store.FilterNot{X: x}, err
	case *presentExpr:
		return t.present(e.Path)
	case *compareExpr:
		return t.compare(e.Path, e.Op, e.Value)
	case *valuePathExpr:
		d := e.Path.def
		if !d.MultiValued {
			return t.storeFilter(e.Filter) // one value: its sub-attributes are the user's
		}
		if d.Name == "groups" {
			inner, err := t.storeFilter(e.Filter)
			return store.FilterAny{Multi: store.AttrRoles, Filter: inner}, err
		}
		if d.store == "" {
			return nil, notFilterable(d.Name)
		}
		inner, err := t.storeFilter(e.Filter)
		return store.FilterAny{Multi: d.store, Filter: inner}, err
	}
	return nil, fmt.Errorf("unknown filter node %T", e)
}

// translator carries what the translation needs besides the filter: the role
// catalog (groups are its roles) and the URL of the API (meta.location).
type translator struct {
	cat  roleCatalog
	base string
}

func notFilterable(name string) error {
	return fmt.Errorf("%s cannot be used in a filter", name)
}

var (
	always = store.FilterConst{Value: true}
	never  = store.FilterConst{Value: false}
)

func constFilter(v bool) store.Filter { return store.FilterConst{Value: v} }

// present translates attrPath "pr".
func (t translator) present(p attrPath) (store.Filter, error) {
	d, sub := p.def, p.subDef
	switch {
	case d == schemasAttr, d.Name == "meta":
		return always, nil // every user has them
	case d.Name == "groups" && p.rel:
		return always, nil // a role's group has every sub-attribute
	case d.Name == "groups":
		return store.FilterPresent{Attr: store.AttrRoles}, nil
	case sub == nil && d.Type == typeComplex && !d.MultiValued:
		// name pr: one of its sub-attributes has a value.
		var f store.Filter
		for _, s := range d.Sub {
			if s.store == "" || s.Mutability == "readOnly" && d.Name != "name" {
				continue
			}
			c := store.Filter(store.FilterPresent{Attr: s.store})
			if f == nil {
				f = c
			} else {
				f = store.FilterOr{Left: f, Right: c}
			}
		}
		if f == nil {
			return nil, notFilterable(d.Name)
		}
		return f, nil
	}
	a := p.target().store
	if a == "" {
		return nil, notFilterable(p.String())
	}
	return store.FilterPresent{Attr: a}, nil
}

// compare translates attrPath op value.
func (t translator) compare(p attrPath, op string, v any) (store.Filter, error) {
	d, target := p.def, p.target()
	switch {
	case d == schemasAttr:
		return t.constant(userSchemas(), op, v, target), nil
	case d.Name == "meta" && target.Name == "resourceType":
		return t.constant([]any{"User"}, op, v, target), nil
	case d.Name == "meta" && target.Name == "location":
		return t.location(op, v)
	case d.Name == "groups":
		return t.groups(target, op, v, p.rel)
	}
	if target.store == "" {
		return nil, notFilterable(p.String())
	}
	value := v
	if s, ok := v.(string); ok && target.Type == typeDateTime {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an RFC 3339 time", truncate(s, 40))
		}
		value = tm
	}
	return store.FilterCompare{Attr: target.store, Op: store.CompareOp(op), Value: value}, nil
}

// constant evaluates a comparison with an attribute every user has with the
// same values, such as schemas.
func (t translator) constant(values []any, op string, lit any, d *attrDef) store.Filter {
	switch {
	case lit == nil && op == "eq":
		return never
	case lit == nil:
		return always
	case op == "ne":
		for _, v := range values {
			if compare("eq", v, lit, d) {
				return never
			}
		}
		return always
	}
	for _, v := range values {
		if compare(op, v, lit, d) {
			return always
		}
	}
	return never
}

// location translates meta.location, the API's URL of the user and its id:
// eq and ne name one user; other operators are refused.
func (t translator) location(op string, v any) (store.Filter, error) {
	s, _ := v.(string)
	if v == nil || (op != "eq" && op != "ne") {
		return nil, fmt.Errorf("meta.location can only be compared with eq or ne and a URL")
	}
	id, ok := strings.CutPrefix(s, t.base+"/Users/")
	f := store.Filter(never)
	if ok && id != "" {
		f = store.FilterCompare{Attr: store.AttrID, Op: store.OpEq, Value: id}
	}
	if op == "ne" {
		return store.FilterNot{X: f}, nil
	}
	return f, nil
}

// groups translates a comparison of a sub-attribute of groups, the groups of
// the roles a user holds: value (the group's id) becomes the roles whose id
// compares so, display the roles' display name, type is "direct" for every
// group. With one set, the comparison is inside a value filter of groups,
// about one group: it becomes one about one role.
func (t translator) groups(sub *attrDef, op string, lit any, one bool) (store.Filter, error) {
	if sub.Name == "display" {
		return store.FilterCompare{Attr: store.AttrRoles.Sub("display"), Op: store.CompareOp(op), Value: lit}, nil
	}
	if sub.Name != "value" && sub.Name != "type" {
		return nil, notFilterable("groups." + sub.Name)
	}
	if lit == nil {
		// Every group has a value and a type: eq null holds for a user
		// without groups, ne null for one with.
		if one {
			return constFilter(op == "ne"), nil
		}
		present := store.Filter(store.FilterPresent{Attr: store.AttrRoles})
		if op == "eq" {
			return store.FilterNot{X: present}, nil
		}
		return present, nil
	}
	eqOp := op
	if op == "ne" {
		eqOp = "eq"
	}
	// The roles whose group has a value that compares so with lit.
	var f store.Filter = never
	for _, r := range t.cat.list {
		v := groupID(r)
		if sub.Name == "type" {
			v = "direct"
		}
		if !compare(eqOp, v, lit, sub) {
			continue
		}
		c := store.Filter(store.FilterCompare{Attr: store.AttrRoles.Sub("value"), Op: store.OpEq, Value: r.Value})
		if f == never {
			f = c
		} else {
			f = store.FilterOr{Left: f, Right: c}
		}
	}
	if !one {
		f = anyRole(f)
	}
	if op == "ne" {
		return store.FilterNot{X: f}, nil
	}
	return f, nil
}

// anyRole is f (a condition on one role's value) as "the user holds such a
// role".
func anyRole(f store.Filter) store.Filter {
	if c, ok := f.(store.FilterConst); ok {
		return c
	}
	return store.FilterAny{Multi: store.AttrRoles, Filter: f}
}

// storeSort translates a bound sortBy path.
func storeSort(p attrPath) (store.Attr, error) {
	a := p.target().store
	if a == "" || p.def.Name == "groups" || p.target().Type == typeBoolean && p.def.MultiValued {
		return "", fmt.Errorf("cannot sort by %s", p)
	}
	return a, nil
}
