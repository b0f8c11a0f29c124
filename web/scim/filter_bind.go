package scim

import (
	"fmt"
	"time"
)

// binder binds attribute paths to the schema of one resource type.
type binder struct {
	lookup func(uri, name string) *attrDef
}

// The binders of the resource types.
var (
	userBinder  = binder{lookupAttr}
	groupBinder = binder{lookupGroupAttr}
)

// bindFilter resolves every attribute path of e against the User schema and
// checks that each comparison makes sense for the attribute's type. Errors
// are invalidFilter messages safe to show.
func bindFilter(e expr) error { return userBinder.bind(e, nil) }

// bind binds e; parent is the complex attribute whose values a valuePath
// filter tests, nil at the top level.
func (b binder) bind(e expr, parent *attrDef) error {
	switch e := e.(type) {
	case *logicalExpr:
		if err := b.bind(e.Left, parent); err != nil {
			return err
		}
		return b.bind(e.Right, parent)
	case *notExpr:
		return b.bind(e.X, parent)
	case *presentExpr:
		if err := b.bindPath(&e.Path, parent, false); err != nil {
			return err
		}
		return checkFilterable(&e.Path)
	case *valuePathExpr:
		if err := b.bindPath(&e.Path, parent, false); err != nil {
			return err
		}
		if e.Path.def.Type != typeComplex {
			return fmt.Errorf("%s is not a complex attribute, so it takes no [filter]", e.Path)
		}
		return b.bind(e.Filter, e.Path.def)
	case *compareExpr:
		if err := b.bindPath(&e.Path, parent, true); err != nil {
			return err
		}
		if err := checkFilterable(&e.Path); err != nil {
			return err
		}
		return checkComparison(e)
	}
	return fmt.Errorf("unknown filter node %T", e)
}

// bindPath resolves p. With compare set, a complex attribute without a
// sub-attribute stands for its "value" sub-attribute (emails co "@x" tests
// the addresses), as RFC 7644 §3.4.2.2 describes for multi-valued attributes.
func (b binder) bindPath(p *attrPath, parent *attrDef, compare bool) error {
	if parent != nil {
		if p.URI != "" || p.Sub != "" {
			return fmt.Errorf("%s: inside [ ] name a sub-attribute of %s only", p, parent.Name)
		}
		s := parent.sub(p.Attr)
		if s == nil {
			return fmt.Errorf("%s has no sub-attribute %q", parent.Name, truncate(p.Attr, 40))
		}
		p.def, p.subDef, p.rel = parent, s, true
		return nil
	}
	d := b.lookup(p.URI, p.Attr)
	if d == nil {
		return fmt.Errorf("unknown attribute %q", truncate(p.String(), 80))
	}
	p.def = d
	if p.Sub != "" {
		if d.Type != typeComplex {
			return fmt.Errorf("%s has no sub-attributes", d.Name)
		}
		s := d.sub(p.Sub)
		if s == nil {
			return fmt.Errorf("%s has no sub-attribute %q", d.Name, truncate(p.Sub, 40))
		}
		p.subDef = s
	} else if compare && d.Type == typeComplex {
		s := d.sub("value")
		if s == nil {
			return fmt.Errorf("%s is a complex attribute: compare one of its sub-attributes, e.g. %s.%s", d.Name, d.Name, d.Sub[0].Name)
		}
		p.subDef = s
	}
	return nil
}

// checkFilterable refuses write-only attributes in filters and sortBy: their
// values are never returned, so nothing may be learnt from them.
func checkFilterable(p *attrPath) error {
	if t := p.target(); t.Returned == "never" {
		return fmt.Errorf("%s cannot be used in a filter", t.Name)
	}
	return nil
}

// checkComparison checks the operator and value against the attribute type
// (RFC 7644 §3.4.2.2: gt/ge/lt/le on booleans and binary are errors).
func checkComparison(e *compareExpr) error {
	t := e.Path.target()
	if e.Value == nil {
		if e.Op != "eq" && e.Op != "ne" {
			return fmt.Errorf("null can only be compared with eq or ne")
		}
		return nil
	}
	switch t.Type {
	case typeBoolean:
		if _, ok := e.Value.(bool); !ok {
			return fmt.Errorf("%s is a boolean: compare it with true or false", e.Path)
		}
		if e.Op != "eq" && e.Op != "ne" {
			return fmt.Errorf("%s is a boolean: use eq or ne, not %s", e.Path, e.Op)
		}
	case typeDateTime:
		s, ok := e.Value.(string)
		if !ok {
			return fmt.Errorf("%s is a dateTime: compare it with a quoted RFC 3339 time", e.Path)
		}
		if e.Op == "co" || e.Op == "sw" || e.Op == "ew" {
			return fmt.Errorf("%s is a dateTime: use eq, ne, gt, ge, lt or le", e.Path)
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return fmt.Errorf("%q is not an RFC 3339 time such as \"2026-01-02T15:04:05Z\"", truncate(s, 40))
		}
	default:
		if _, ok := e.Value.(string); !ok {
			return fmt.Errorf("%s is a string: compare it with a quoted string", e.Path)
		}
	}
	return nil
}
