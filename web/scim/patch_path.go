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
	// Extension is set when the path names the whole extension object.
	Extension bool
	// Ignored is set for attributes of the core or enterprise schema that this
	// service does not keep (title, phoneNumbers, …): operations on them are
	// accepted and do nothing, as provisioning clients send them routinely.
	Ignored bool
}

func (p patchPath) String() string {
	if p.Extension {
		return SchemaExtension
	}
	return p.Attr.String()
}

// schemaEnterprise is the enterprise User extension (RFC 7643 §4.3), which
// this service does not keep.
const schemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// unkeptCore lists attributes of the RFC 7643 §4.1 User schema that this
// service does not keep, lower case, with sub-attributes as "name.middlename".
var unkeptCore = map[string]bool{
	"nickname": true, "profileurl": true, "title": true, "usertype": true, "locale": true,
	"timezone": true, "phonenumbers": true, "ims": true, "photos": true, "addresses": true,
	"groups": true, "entitlements": true, "x509certificates": true,
	"name.middlename": true, "name.honorificprefix": true, "name.honorificsuffix": true,
	"emails.display": true,
}

// parsePatchPath parses and binds a PATCH path. Errors are invalidPath
// messages safe to show.
func parsePatchPath(src string) (patchPath, error) {
	src = strings.TrimSpace(src)
	if strings.EqualFold(src, SchemaExtension) {
		return patchPath{Extension: true}, nil
	}
	if strings.EqualFold(src, schemaEnterprise) {
		return patchPath{Ignored: true}, nil
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
	if unkept(attr) {
		p.Ignored = true
		return p, nil
	}
	if err := bindPath(&p.Attr, nil, false); err != nil {
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
		if err := bind(f, p.Attr.def); err != nil {
			return patchPath{}, err
		}
		p.Filter = f
		i = end + 1
		if t := toks[i]; t.kind == tokWord && strings.HasPrefix(t.text, ".") {
			name := t.text[1:]
			if !validAttrName(name) {
				return patchPath{}, fmt.Errorf("%q is not a sub-attribute name", truncate(name, 40))
			}
			if unkeptCore[strings.ToLower(p.Attr.def.Name+"."+name)] {
				return patchPath{Attr: attr, Ignored: true}, nil
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

// unkept reports whether a names an attribute this service does not keep.
func unkept(a attrPath) bool {
	if a.URI != "" && strings.EqualFold(a.URI, schemaEnterprise) {
		return true
	}
	if a.URI != "" && !strings.EqualFold(a.URI, SchemaUser) {
		return false
	}
	k := strings.ToLower(a.Attr)
	if a.Sub != "" {
		return unkeptCore[k+"."+strings.ToLower(a.Sub)]
	}
	return unkeptCore[k]
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
