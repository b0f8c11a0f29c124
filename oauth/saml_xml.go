package oauth

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// Limits on an assertion's XML, checked before it is parsed into a tree, so that
// a hostile document costs little.
const (
	// MaxAssertionSize is the largest assertion accepted, in bytes of its
	// encoded form (the token request's parameter limit bounds it too).
	MaxAssertionSize = maxParamValue
	maxXMLDepth      = 32
	maxXMLElements   = 2000
)

// errXML explains why a document was refused before it was parsed.
type errXML struct{ reason string }

func (e *errXML) Error() string { return e.reason }

// decodeAssertion turns the assertion parameter into XML. RFC 7522 §2.1 asks
// for base64url; standard base64 (what many SAML libraries emit) is accepted
// too, padded or not, with line breaks. allowXML lets the console's checker take
// the XML as pasted.
func decodeAssertion(raw string, allowXML bool) ([]byte, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("the assertion is empty")
	}
	if len(raw) > MaxAssertionSize {
		return nil, fmt.Errorf("the assertion is larger than %d KiB", MaxAssertionSize>>10)
	}
	if strings.HasPrefix(raw, "<") {
		if !allowXML {
			return nil, errors.New("the assertion is XML, not base64url-encoded XML (RFC 7522 §2.1)")
		}
		return []byte(raw), nil
	}
	compact := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, raw)
	compact = strings.TrimRight(compact, "=")
	var out []byte
	var err error
	if strings.ContainsAny(compact, "+/") {
		out, err = base64.RawStdEncoding.DecodeString(compact)
	} else {
		out, err = base64.RawURLEncoding.DecodeString(compact)
	}
	if err != nil {
		return nil, errors.New("the assertion is not base64url (or base64) encoded")
	}
	if !bytes.HasPrefix(bytes.TrimLeft(out, "\ufeff \t\r\n"), []byte("<")) {
		return nil, errors.New("the decoded assertion is not XML")
	}
	return out, nil
}

// parseXML reads a document received from outside into a tree. Before any tree
// is built it refuses what XML attacks need: a DTD or entity declaration (entity
// expansion, external entities), encodings other than UTF-8, duplicate
// attributes (two IDs, one read by the signature check and one by the reader),
// more than one root element, and documents nested or sized beyond reason.
func parseXML(data []byte) (*etree.Document, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(charset string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") {
			return r, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported", charset)
	}
	depth, elements, roots := 0, 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &errXML{"the XML is not well-formed: " + truncate(err.Error(), 120)}
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, &errXML{"the XML holds a DTD or entity declaration (<!" + truncate(firstWord(string(t)), 20) + " …>), which is refused"}
		case xml.ProcInst:
			if t.Target != "xml" {
				return nil, &errXML{"the XML holds a processing instruction, which is refused"}
			}
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return nil, &errXML{"the XML has more than one root element"}
				}
			}
			depth++
			elements++
			if depth > maxXMLDepth || elements > maxXMLElements {
				return nil, &errXML{fmt.Sprintf("the XML is nested deeper than %d or has more than %d elements", maxXMLDepth, maxXMLElements)}
			}
			seen := map[xml.Name]bool{}
			for _, a := range t.Attr {
				if seen[a.Name] {
					return nil, &errXML{fmt.Sprintf("element %s has the attribute %s twice", t.Name.Local, a.Name.Local)}
				}
				seen[a.Name] = true
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return nil, &errXML{"the XML has text outside its root element"}
			}
		}
	}
	if roots == 0 {
		return nil, &errXML{"the XML has no root element"}
	}
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{
		CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil },
	}
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, &errXML{"the XML is not well-formed: " + truncate(err.Error(), 120)}
	}
	if doc.Root() == nil {
		return nil, &errXML{"the XML has no root element"}
	}
	return doc, nil
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// walkElements calls fn for el and every element below it, in document order.
func walkElements(el *etree.Element, fn func(*etree.Element)) {
	fn(el)
	for _, c := range el.ChildElements() {
		walkElements(c, fn)
	}
}

// elementBytes serializes el as a standalone document.
func elementBytes(el *etree.Element) ([]byte, error) {
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	return doc.WriteToBytes()
}

// detach returns a copy of el that declares every namespace in scope at el, so
// that it reads, and canonicalizes, alone as it did inside its document.
func detach(el *etree.Element) (*etree.Element, error) {
	var ancestors []*etree.Element
	for p := el.Parent(); p != nil; p = p.Parent() {
		ancestors = append(ancestors, p)
	}
	// Not etreeutils.NSBuildParentContext: its node budget is meant for
	// SignedInfo; parseXML has bounded the document already.
	ctx := etreeutils.EmptyNSContext
	for i := len(ancestors) - 1; i >= 0; i-- {
		var err error
		if ctx, err = ctx.SubContext(ancestors[i]); err != nil {
			return nil, err
		}
	}
	return etreeutils.NSDetatch(ctx, el)
}
