package scim

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// listQuery is a list or search request (RFC 7644 §3.4.2, §3.4.3).
type listQuery struct {
	filter     expr // nil: every user
	sortBy     *attrPath
	descending bool
	startIndex int // 1-based
	count      int
	proj       projection
}

// searchRequest is the body of POST /Users/.search (RFC 7644 §3.4.3).
type searchRequest struct {
	Schemas            []string `json:"schemas"`
	Attributes         []string `json:"attributes"`
	ExcludedAttributes []string `json:"excludedAttributes"`
	Filter             string   `json:"filter"`
	SortBy             string   `json:"sortBy"`
	SortOrder          string   `json:"sortOrder"`
	StartIndex         *int     `json:"startIndex"`
	Count              *int     `json:"count"`
}

// queryFromURL reads the query parameters of GET /Users.
func queryFromURL(v url.Values) (listQuery, error) { return queryFromURLFor(v, userBinder) }

// queryFromURLFor reads the query parameters of a list of the resource type
// whose schema b binds to.
func queryFromURLFor(v url.Values, b binder) (listQuery, error) {
	req := searchRequest{
		Filter: v.Get("filter"), SortBy: v.Get("sortBy"), SortOrder: v.Get("sortOrder"),
		Attributes: splitList(v.Get("attributes")), ExcludedAttributes: splitList(v.Get("excludedAttributes")),
	}
	for _, p := range []struct {
		name string
		dst  **int
	}{{"startIndex", &req.StartIndex}, {"count", &req.Count}} {
		if s := v.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return listQuery{}, badRequest(typeInvalidValue, "%s must be an integer.", p.name)
			}
			*p.dst = &n
		}
	}
	return req.query(b)
}

// queryFromBody reads the body of POST /Users/.search.
func queryFromBody(body []byte) (listQuery, error) { return queryFromBodyFor(body, userBinder) }

// queryFromBodyFor reads the body of a search of the resource type whose
// schema b binds to.
func queryFromBodyFor(body []byte, b binder) (listQuery, error) {
	var req searchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return listQuery{}, badRequest(typeInvalidSyntax, "The body is not a SearchRequest: %v.", jsonProblem(err))
	}
	if !containsFold(req.Schemas, schemaSearch) {
		return listQuery{}, badRequest(typeInvalidSyntax, "schemas must hold %s.", schemaSearch)
	}
	return req.query(b)
}

func (req searchRequest) query(b binder) (listQuery, error) {
	q := listQuery{startIndex: 1, count: MaxResults}
	if strings.TrimSpace(req.Filter) != "" {
		f, err := parseFilter(req.Filter)
		if err == nil {
			err = b.bind(f, nil)
		}
		if err != nil {
			return listQuery{}, badRequest(typeInvalidFilter, "filter: %v.", err)
		}
		q.filter = f
	}
	if req.SortBy != "" {
		p, err := parseAttrPath(req.SortBy)
		if err == nil {
			err = b.bindPath(&p, nil, true)
		}
		if err == nil {
			err = checkFilterable(&p)
		}
		if err != nil {
			return listQuery{}, badRequest(typeInvalidValue, "sortBy: %v.", err)
		}
		q.sortBy = &p
	}
	switch strings.ToLower(req.SortOrder) {
	case "", "ascending":
	case "descending":
		q.descending = true
	default:
		return listQuery{}, badRequest(typeInvalidValue, "sortOrder must be ascending or descending.")
	}
	// RFC 7644 §3.4.2.4: startIndex below 1 is 1; a negative count is 0; a
	// count above the maximum gets the maximum.
	if req.StartIndex != nil && *req.StartIndex > 1 {
		q.startIndex = *req.StartIndex
	}
	if req.Count != nil {
		q.count = min(max(*req.Count, 0), MaxResults)
	}
	if len(req.Attributes) > 0 && len(req.ExcludedAttributes) > 0 {
		return listQuery{}, badRequest(typeInvalidValue, "attributes and excludedAttributes cannot be used together.")
	}
	q.proj = newProjectionFor(b, req.Attributes, req.ExcludedAttributes)
	return q, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// jsonProblem describes a JSON decoding error without echoing the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "invalid JSON at byte " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		if te.Field != "" {
			return te.Field + " has the wrong type (" + te.Value + ")"
		}
		return "a value has the wrong type (" + te.Value + ")"
	}
	return "invalid JSON"
}
