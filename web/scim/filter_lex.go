package scim

import (
	"encoding/json"
	"fmt"
	"strings"
)

// tokenKind is the kind of a filter token.
type tokenKind int

const (
	tokEOF tokenKind = iota
	tokLParen
	tokRParen
	tokLBracket
	tokRBracket
	tokString // a JSON string literal, already decoded
	tokWord   // an attribute path, operator, keyword, number, true/false/null
)

// token is one lexeme of a filter or a PATCH path. pos is its byte offset, for
// error messages.
type token struct {
	kind tokenKind
	text string
	pos  int
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokString:
		return fmt.Sprintf("string %q", truncate(t.text, 40))
	}
	return fmt.Sprintf("%q", truncate(t.text, 40))
}

// maxFilterLen bounds the text of a filter or path, so that a hostile request
// cannot make the parser do unbounded work.
const maxFilterLen = 4096

// lex splits a filter (RFC 7644 §3.4.2.2) into tokens. Whitespace separates
// tokens; brackets and parentheses are tokens of their own; strings follow the
// JSON grammar (RFC 7159 §7), as the RFC's compValue does.
func lex(src string) ([]token, error) {
	if len(src) > maxFilterLen {
		return nil, fmt.Errorf("the expression is longer than %d bytes", maxFilterLen)
	}
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tokLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tokRParen, ")", i})
			i++
		case c == '[':
			toks = append(toks, token{tokLBracket, "[", i})
			i++
		case c == ']':
			toks = append(toks, token{tokRBracket, "]", i})
			i++
		case c == '"':
			end, err := stringEnd(src, i)
			if err != nil {
				return nil, err
			}
			var s string
			if err := json.Unmarshal([]byte(src[i:end]), &s); err != nil {
				return nil, fmt.Errorf("the string at position %d is not a valid JSON string", i+1)
			}
			toks = append(toks, token{tokString, s, i})
			i = end
		default:
			start := i
			for i < len(src) && !strings.ContainsRune(" \t\n\r()[]\"", rune(src[i])) {
				i++
			}
			toks = append(toks, token{tokWord, src[start:i], start})
		}
	}
	return append(toks, token{tokEOF, "", len(src)}), nil
}

// stringEnd returns the offset just past the string literal that starts at
// src[start] ('"').
func stringEnd(src string, start int) (int, error) {
	for i := start + 1; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("the string at position %d is not closed", start+1)
}
