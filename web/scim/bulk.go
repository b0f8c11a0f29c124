package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// bulkRequest is RFC 7644 §3.7's BulkRequest.
type bulkRequest struct {
	Schemas      []string `json:"schemas"`
	FailOnErrors *int     `json:"failOnErrors"`
	Operations   []bulkOp `json:"Operations"`
}

type bulkOp struct {
	Method  string          `json:"method"`
	BulkID  string          `json:"bulkId"`
	Version string          `json:"version"`
	Path    string          `json:"path"`
	Data    json.RawMessage `json:"data"`
}

// bulkResult is one operation of the BulkResponse.
type bulkResult struct {
	Method   string     `json:"method"`
	BulkID   string     `json:"bulkId,omitempty"`
	Version  string     `json:"version,omitempty"`
	Location string     `json:"location,omitempty"`
	Status   string     `json:"status"`
	Response *errorBody `json:"response,omitempty"`
}

type bulkResponse struct {
	Schemas    []string     `json:"schemas"`
	Operations []bulkResult `json:"Operations"`
}

// bulkRef finds "bulkId:<id>" references (RFC 7644 §3.7.2) in paths and in
// JSON string values of data.
var bulkRef = regexp.MustCompile(`bulkId:([A-Za-z0-9._~-]+)`)

// bulk is POST /Bulk (RFC 7644 §3.7), run by bulkRun in one transaction.
func (h *handler) bulk(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req bulkRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return badRequest(typeInvalidSyntax, "The body is not a BulkRequest: %s.", jsonProblem(err))
	}
	if !containsFold(req.Schemas, schemaBulkRequest) {
		return badRequest(typeInvalidSyntax, "schemas must hold %s.", schemaBulkRequest)
	}
	if len(req.Operations) > MaxBulkOperations {
		return newError(http.StatusRequestEntityTooLarge, "",
			"The bulk request holds %d operations; maxOperations is %d.", len(req.Operations), MaxBulkOperations)
	}
	if req.FailOnErrors != nil && *req.FailOnErrors < 1 {
		return badRequest(typeInvalidValue, "failOnErrors must be at least 1.")
	}
	owner := map[string]int{} // bulkId → index of the POST that defines it
	seen := map[string]bool{}
	for i, op := range req.Operations {
		if op.BulkID == "" {
			continue
		}
		if seen[op.BulkID] {
			return badRequest(typeInvalidValue, "bulkId %q is used by more than one operation.", truncate(op.BulkID, 40))
		}
		seen[op.BulkID] = true
		if strings.EqualFold(op.Method, http.MethodPost) {
			owner[op.BulkID] = i
		}
	}

	// Every operation runs in one transaction, each in a savepoint of it: one
	// that fails changes nothing, and the request costs one commit instead of
	// one for each user (RFC 7644 §3.7 leaves failed operations to failOnErrors).
	var results []*bulkResult
	err = h.svc.InTransaction(c.Request().Context(), func(tx *oauth.Service, st store.Store) error {
		results = (&handler{svc: tx, users: st, log: h.log}).bulkRun(c, req, owner)
		return nil
	})
	if err != nil {
		return fmt.Errorf("scim: bulk: %w", err)
	}
	resp := bulkResponse{Schemas: []string{schemaBulkResponse}, Operations: []bulkResult{}}
	for _, r := range results {
		if r != nil {
			resp.Operations = append(resp.Operations, *r)
		}
	}
	return writeJSON(c, http.StatusOK, resp)
}

// bulkRun runs the operations of req in order, except that one referring to
// the bulkId of a later POST (owner: bulkId → index) waits until that POST
// has run; it stops once failOnErrors operations have failed. It returns the
// result of each operation that ran, nil for the others.
func (h *handler) bulkRun(c echo.Context, req bulkRequest, owner map[string]int) []*bulkResult {
	results := make([]*bulkResult, len(req.Operations))
	created := map[string]string{} // bulkId → new user's id
	failed := map[string]bool{}    // bulkIds whose operation failed
	errCount := 0
	stop := func() bool { return req.FailOnErrors != nil && errCount >= *req.FailOnErrors }
	pending := make([]int, len(req.Operations))
	for i := range pending {
		pending[i] = i
	}
	for len(pending) > 0 && !stop() {
		var waiting []int
		progressed := false
		for _, i := range pending {
			if stop() {
				break
			}
			op := req.Operations[i]
			refs := bulkRef.FindAllStringSubmatch(op.Path+" "+string(op.Data), -1)
			wait := false
			var refErr *Error
			for _, m := range refs {
				id := m[1]
				at, defined := owner[id]
				switch {
				case created[id] != "":
				case failed[id]:
					refErr = newError(http.StatusConflict, typeInvalidValue, "The operation with bulkId %q failed, so %q cannot be resolved.", id, m[0])
				case defined && at == i:
					refErr = newError(http.StatusConflict, typeInvalidValue, "The operation refers to its own bulkId %q.", id)
				case defined:
					wait = true
				default:
					refErr = badRequest(typeInvalidValue, "No operation of this request has bulkId %q.", truncate(id, 40))
				}
			}
			if refErr == nil && wait {
				waiting = append(waiting, i)
				continue
			}
			progressed = true
			res := h.bulkOne(c, op, created, refErr)
			results[i] = res
			if res.Response != nil {
				errCount++
				if op.BulkID != "" {
					failed[op.BulkID] = true
				}
			}
		}
		if !progressed {
			// What is left waits on itself: circular references (§3.7.1).
			for _, i := range waiting {
				if stop() {
					break
				}
				e := newError(http.StatusConflict, typeInvalidValue, "The operation's bulkId references are circular.")
				results[i] = resultFor(req.Operations[i], e)
				errCount++
			}
			break
		}
		pending = waiting
	}
	return results
}

func resultFor(op bulkOp, e *Error) *bulkResult {
	b := e.body()
	return &bulkResult{Method: strings.ToUpper(op.Method), BulkID: op.BulkID, Status: strconv.Itoa(e.Status), Response: &b}
}

// bulkOne runs one operation with its bulkId references replaced by the ids
// they stand for.
func (h *handler) bulkOne(c echo.Context, op bulkOp, created map[string]string, refErr *Error) *bulkResult {
	if refErr != nil {
		return resultFor(op, refErr)
	}
	ctx := c.Request().Context()
	resolve := func(s string) string {
		return bulkRef.ReplaceAllStringFunc(s, func(m string) string { return created[strings.TrimPrefix(m, "bulkId:")] })
	}
	path := resolve(op.Path)
	data := []byte(resolve(string(op.Data)))
	method := strings.ToUpper(op.Method)
	id, isUser := strings.CutPrefix(path, "/Users/")
	res := &bulkResult{Method: method, BulkID: op.BulkID}
	var err error
	switch {
	case method == http.MethodPost && path == "/Users":
		if op.BulkID == "" {
			return resultFor(op, badRequest(typeInvalidSyntax, "A POST operation needs a bulkId."))
		}
		u, e := h.createUser(ctx, actorOf(c), data)
		if err = e; err == nil {
			created[op.BulkID] = u.ID
			res.Status, res.Location, res.Version = "201", h.location(u.ID), etag(u.Version)
		}
	case !isUser || id == "" || strings.Contains(id, "/"):
		return resultFor(op, badRequest(typeInvalidPath, "path must be /Users or /Users/{id}."))
	case method == http.MethodPut || method == http.MethodPatch:
		if len(bytes.TrimSpace(data)) == 0 {
			return resultFor(op, badRequest(typeInvalidSyntax, "%s needs data.", method))
		}
		update := h.replaceUser
		if method == http.MethodPatch {
			update = h.patchUser
		}
		u, e := update(ctx, actorOf(c), id, data, op.Version)
		if err = e; err == nil {
			res.Status, res.Location, res.Version = "200", h.location(u.ID), etag(u.Version)
		}
	case method == http.MethodDelete:
		if err = h.deleteUser(ctx, actorOf(c), id, op.Version); err == nil {
			res.Status, res.Location = "204", h.location(id)
		}
	default:
		return resultFor(op, badRequest(typeInvalidSyntax, "method %q is not POST, PUT, PATCH or DELETE.", truncate(op.Method, 20)))
	}
	if err != nil {
		e := asError(err)
		if e == nil {
			h.log.ErrorContext(ctx, "scim: bulk operation failed", "method", method, "err", err)
			e = newError(http.StatusInternalServerError, "", "Something went wrong on our side with this operation.")
		}
		r := resultFor(op, e)
		if isUser {
			r.Location = h.location(id)
		}
		return r
	}
	return res
}
