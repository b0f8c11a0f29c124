package scim

import (
	"fmt"
	"strings"
)

// patchPath is a parsed PATCH path (RFC 7644 §3.5.2):
//
//	PATH = attrPath / valuePath [subAttr]
//
// e.g. "active", "name.givenName", `emails[type eq "work"].value`,
// "urn:sap:…:user-custom-parameters:idpUserId".
type patchPath struct {
	Attr attrPath // bound; Attr.Sub is set for "name.givenName"
	// Filter selects values of a multi-valued attribute; nil when none.
	Filter expr
	// FilterSub is the sub-attribute after a filter ("value" in
	// emails[type eq "work"].value); nil when none.
	FilterSub *attrDef
	// Extension is the URN of an extension schema when the path names its
	// whole object; "" otherwise.
	Extension string
}

func (p patchPath) String() string {
	if p.Extension != "" {
		return p.Extension
	}
	return p.Attr.String()
}

// parsePatchPath parses and binds a PATCH path. Errors are invalidPath
// messages safe to show.
func parsePatchPath(src string) (patchPath, error) {
	src = strings.TrimSpace(src)
	if ext := isExtension(src); ext != "" {
		return patchPath{Extension: ext}, nil
	}
	toks, err := lex(src)
	if err != nil {
		return patchPath{}, err
	}
	if toks[0].kind != tokWord {
		return patchPath{}, fmt.Errorf("path %q does not start with an attribute name", truncate(src, 60))
	}
	attr, err := parseAttrPath(toks[0].text)
	if err != nil {
		return patchPath{}, err
	}
	p := patchPath{Attr: attr}
	if err := userBinder.bindPath(&p.Attr, nil, false); err != nil {
		return patchPath{}, err
	}
	i := 1
	if toks[i].kind == tokLBracket {
		if attr.Sub != "" || p.Attr.def.Type != typeComplex {
			return patchPath{}, fmt.Errorf("%s takes no [filter]", attr)
		}
		end := matchingBracket(toks, i)
		if end < 0 {
			return patchPath{}, fmt.Errorf("the [ at position %d is not closed", toks[i].pos+1)
		}
		ps := &parser{toks: append(toks[i+1:end:end], token{tokEOF, "", toks[end].pos}), inVal: true}
		f, err := ps.parseOr()
		if err != nil {
			return patchPath{}, err
		}
		if t := ps.peek(); t.kind != tokEOF {
			return patchPath{}, fmt.Errorf("unexpected %s at position %d", t, t.pos+1)
		}
		if err := userBinder.bind(f, p.Attr.def); err != nil {
			return patchPath{}, err
		}
		p.Filter = f
		i = end + 1
		if t := toks[i]; t.kind == tokWord && strings.HasPrefix(t.text, ".") {
			name := t.text[1:]
			if !validAttrName(name) {
				return patchPath{}, fmt.Errorf("%q is not a sub-attribute name", truncate(name, 40))
			}
			p.FilterSub = p.Attr.def.sub(name)
			if p.FilterSub == nil {
				return patchPath{}, fmt.Errorf("%s has no sub-attribute %q", p.Attr.def.Name, truncate(name, 40))
			}
			i++
		}
	}
	if t := toks[i]; t.kind != tokEOF {
		return patchPath{}, fmt.Errorf("unexpected %s at position %d", t, t.pos+1)
	}
	return p, nil
}

// matchingBracket returns the index of the ] closing the [ at toks[open], or
// -1.
func matchingBracket(toks []token, open int) int {
	for i := open + 1; i < len(toks); i++ {
		switch toks[i].kind {
		case tokRBracket:
			return i
		case tokLBracket, tokEOF:
			return -1
		}
	}
	return -1
}
