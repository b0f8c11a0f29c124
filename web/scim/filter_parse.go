package scim

import (
	"fmt"
	"strconv"
	"strings"
)

// expr is a node of a parsed filter (RFC 7644 §3.4.2.2).
type expr interface{ exprNode() }

// attrPath is attrPath of the ABNF: [URI ":"] ATTRNAME ["." subAttr]. def and
// subDef are set when the path is bound to the schema.
type attrPath struct {
	URI, Attr, Sub string
	def, subDef    *attrDef
	// rel marks a path bound inside a valuePath filter: it names a
	// sub-attribute of one value of def.
	rel bool
}

func (p attrPath) String() string {
	s := p.Attr
	if p.URI != "" {
		s = p.URI + ":" + s
	}
	if p.Sub != "" {
		s += "." + p.Sub
	}
	return s
}

// target is the definition the path's values have: the sub-attribute's, or
// the attribute's own.
func (p attrPath) target() *attrDef {
	if p.subDef != nil {
		return p.subDef
	}
	return p.def
}

// compareExpr is attrPath compareOp compValue. Value is a string, float64,
// bool or nil (null).
type compareExpr struct {
	Path  attrPath
	Op    string // eq ne co sw ew gt ge lt le, lower case
	Value any
}

// presentExpr is attrPath "pr".
type presentExpr struct{ Path attrPath }

// logicalExpr is FILTER ("and" / "or") FILTER.
type logicalExpr struct {
	Op          string // and, or
	Left, Right expr
}

// notExpr is "not" "(" FILTER ")".
type notExpr struct{ X expr }

// valuePathExpr is attrPath "[" valFilter "]": it matches when one value of
// the multi-valued (or complex) attribute matches Filter.
type valuePathExpr struct {
	Path   attrPath
	Filter expr
}

func (*compareExpr) exprNode()   {}
func (*presentExpr) exprNode()   {}
func (*logicalExpr) exprNode()   {}
func (*notExpr) exprNode()       {}
func (*valuePathExpr) exprNode() {}

var compareOps = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true, "gt": true, "ge": true, "lt": true, "le": true}

// maxDepth bounds the nesting of parentheses and not, so that recursion stays
// shallow whatever the input.
const maxDepth = 32

// parser is a recursive-descent parser over the tokens of lex. The grammar,
// with the precedence RFC 7644 §3.4.2.2 Table 3 gives (not, and, or):
//
//	or      = and *("or" and)
//	and     = unary *("and" unary)
//	unary   = "not" "(" or ")" / "(" or ")" / attrExp / valuePath
//	attrExp = attrPath "pr" / attrPath compareOp compValue
type parser struct {
	toks  []token
	i     int
	depth int
	inVal bool // inside the brackets of a valuePath, which do not nest
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == tokWord && strings.EqualFold(t.text, kw)
}

func (p *parser) expect(kind tokenKind, what string) error {
	if t := p.next(); t.kind != kind {
		return fmt.Errorf("expected %s at position %d, found %s", what, t.pos+1, t)
	}
	return nil
}

// parseFilter parses a filter. Errors are invalidFilter messages safe to show.
func parseFilter(src string) (expr, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, fmt.Errorf("unexpected %s at position %d", t, t.pos+1)
	}
	return e, nil
}

func (p *parser) parseOr() (expr, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("or") {
		p.next()
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = &logicalExpr{Op: "or", Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) parseAnd() (expr, error) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("and") {
		p.next()
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		left = &logicalExpr{Op: "and", Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) parseUnary() (expr, error) {
	if p.depth >= maxDepth {
		return nil, fmt.Errorf("the expression nests more than %d levels deep", maxDepth)
	}
	p.depth++
	defer func() { p.depth-- }()
	t := p.peek()
	switch {
	case p.isKeyword("not"):
		p.next()
		if err := p.expect(tokLParen, `"(" after not`); err != nil {
			return nil, err
		}
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tokRParen, `")"`); err != nil {
			return nil, err
		}
		return &notExpr{X: x}, nil
	case t.kind == tokLParen:
		p.next()
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tokRParen, `")"`); err != nil {
			return nil, err
		}
		return x, nil
	case t.kind == tokWord:
		return p.parseAttrExp()
	}
	return nil, fmt.Errorf("expected an attribute, \"not\" or \"(\" at position %d, found %s", t.pos+1, t)
}

func (p *parser) parseAttrExp() (expr, error) {
	t := p.next()
	path, err := parseAttrPath(t.text)
	if err != nil {
		return nil, fmt.Errorf("%v (position %d)", err, t.pos+1)
	}
	if p.peek().kind == tokLBracket {
		if p.inVal {
			return nil, fmt.Errorf("value filters cannot nest (position %d)", p.peek().pos+1)
		}
		if path.Sub != "" {
			return nil, fmt.Errorf("a value filter must follow an attribute, not a sub-attribute (position %d)", p.peek().pos+1)
		}
		p.next()
		p.inVal = true
		f, err := p.parseOr()
		p.inVal = false
		if err != nil {
			return nil, err
		}
		if err := p.expect(tokRBracket, `"]"`); err != nil {
			return nil, err
		}
		// Entra ID's form: emails[type eq "work"].value eq "x", one value
		// whose type is work and whose value is x — the same as
		// emails[type eq "work" and value eq "x"].
		if t := p.peek(); t.kind == tokWord && strings.HasPrefix(t.text, ".") {
			p.next()
			sub := t.text[1:]
			if !validAttrName(sub) {
				return nil, fmt.Errorf("%q is not a sub-attribute name (position %d)", truncate(sub, 40), t.pos+2)
			}
			last, err := p.parseComparison(attrPath{Attr: sub})
			if err != nil {
				return nil, err
			}
			f = &logicalExpr{Op: "and", Left: f, Right: last}
		}
		return &valuePathExpr{Path: path, Filter: f}, nil
	}
	return p.parseComparison(path)
}

// parseComparison parses what follows an attribute path: "pr", or a
// comparison operator and a value.
func (p *parser) parseComparison(path attrPath) (expr, error) {
	opTok := p.next()
	if opTok.kind != tokWord {
		return nil, fmt.Errorf("expected an operator after %s at position %d, found %s", path, opTok.pos+1, opTok)
	}
	op := strings.ToLower(opTok.text)
	if op == "pr" {
		return &presentExpr{Path: path}, nil
	}
	if !compareOps[op] {
		return nil, fmt.Errorf("unknown operator %q at position %d (use eq, ne, co, sw, ew, gt, ge, lt, le or pr)", truncate(opTok.text, 20), opTok.pos+1)
	}
	v, err := p.parseValue()
	if err != nil {
		return nil, err
	}
	return &compareExpr{Path: path, Op: op, Value: v}, nil
}

// parseValue parses compValue: false / null / true / number / string.
func (p *parser) parseValue() (any, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return t.text, nil
	case tokWord:
		switch t.text {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		if isJSONNumber(t.text) {
			f, err := strconv.ParseFloat(t.text, 64)
			if err == nil {
				return f, nil
			}
		}
	}
	return nil, fmt.Errorf("expected a value (a quoted string, number, true, false or null) at position %d, found %s", t.pos+1, t)
}

// isJSONNumber reports whether s is a number in the JSON grammar.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// parseAttrPath splits [URI ":"] ATTRNAME ["." subAttr]. A URI is recognised
// by its "urn:" prefix; the attribute name follows its last colon, or, after
// the URN of an extension this service has, a colon or a dot: SAP's tools
// write "urn:…:user-custom-parameters.idpUserId".
func parseAttrPath(s string) (attrPath, error) {
	var p attrPath
	rest := s
	if len(s) > 4 && strings.EqualFold(s[:4], "urn:") {
		i := strings.LastIndexByte(s, ':')
		p.URI, rest = s[:i], s[i+1:]
		for _, ext := range extensionSchemas {
			if len(s) > len(ext) && strings.EqualFold(s[:len(ext)], ext) && (s[len(ext)] == '.' || s[len(ext)] == ':') {
				p.URI, rest = ext, s[len(ext)+1:]
			}
		}
	}
	name, sub, hasSub := strings.Cut(rest, ".")
	if !validAttrName(name) || (hasSub && !validAttrName(sub)) {
		return attrPath{}, fmt.Errorf("%q is not an attribute path", truncate(s, 60))
	}
	p.Attr, p.Sub = name, sub
	return p, nil
}

// validAttrName checks ATTRNAME = ALPHA *(nameChar) / "$ref" (RFC 7643 §2.1).
func validAttrName(s string) bool {
	if s == "$ref" {
		return true
	}
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
