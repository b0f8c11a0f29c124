package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

	// New users are checked (their passwords hashed) before the transaction,
	// which then holds the database only for writing. Every operation runs
	// in that one transaction, each in a savepoint of it: one that fails
	// changes nothing, and the request costs one commit instead of one for
	// each user (RFC 7644 §3.7 leaves failed operations to failOnErrors).
	run := &bulkRun{req: req, owner: owner, checked: h.checkNewUsers(c, req.Operations),
		results: make([]*bulkResult, len(req.Operations)), created: map[string]string{}, failed: map[string]bool{}}
	err = h.svc.InTransaction(c.Request().Context(), func(tx *oauth.Service, st store.Store) error {
		(&handler{svc: tx, users: st, log: h.log}).runBulk(c, run)
		return nil
	})
	if err != nil {
		return fmt.Errorf("scim: bulk: %w", err)
	}
	resp := bulkResponse{Schemas: []string{schemaBulkResponse}, Operations: []bulkResult{}}
	for _, r := range run.results {
		if r != nil {
			resp.Operations = append(resp.Operations, *r)
		}
	}
	return writeJSON(c, http.StatusOK, resp)
}

// bulkRun is a bulk request being run.
type bulkRun struct {
	req     bulkRequest
	owner   map[string]int    // bulkId → index of the POST that defines it
	checked []*checkedUser    // for each POST of a user that refers to no bulkId, its check
	results []*bulkResult     // of the operations that ran
	created map[string]string // bulkId → new user's id
	failed  map[string]bool   // bulkIds whose operation failed
	errors  int
}

// checkedUser is a new user of a bulk request, checked before the
// transaction: the user to create, or why it cannot be.
type checkedUser struct {
	user oauth.NewUser
	err  error
}

// stop reports whether failOnErrors operations have failed.
func (r *bulkRun) stop() bool { return r.req.FailOnErrors != nil && r.errors >= *r.req.FailOnErrors }

// record keeps the result of operation i.
func (r *bulkRun) record(i int, res *bulkResult) {
	r.results[i] = res
	if res.Response != nil {
		r.errors++
		if id := r.req.Operations[i].BulkID; id != "" {
			r.failed[id] = true
		}
	}
}

// checkNewUsers checks the users that the POSTs of ops referring to no bulkId
// create; nil for the other operations.
func (h *handler) checkNewUsers(c echo.Context, ops []bulkOp) []*checkedUser {
	out := make([]*checkedUser, len(ops))
	for i, op := range ops {
		if strings.EqualFold(op.Method, http.MethodPost) && op.Path == "/Users" && op.BulkID != "" && !bulkRef.Match(op.Data) {
			n, err := h.checkNewUser(c.Request().Context(), op.Data)
			out[i] = &checkedUser{n, err}
		}
	}
	return out
}

// runBulk runs the operations of r.req in order, except that one referring to
// the bulkId of a later POST waits until that POST has run, and that a run of
// checked POSTs creates its users with one write; it stops once failOnErrors
// operations have failed.
func (h *handler) runBulk(c echo.Context, r *bulkRun) {
	pending := make([]int, len(r.req.Operations))
	for i := range pending {
		pending[i] = i
	}
	for len(pending) > 0 && !r.stop() {
		var waiting []int
		progressed := false
		for k := 0; k < len(pending) && !r.stop(); k++ {
			i := pending[k]
			if r.checked[i] != nil {
				batch := []int{i}
				for k+1 < len(pending) && r.checked[pending[k+1]] != nil {
					k++
					batch = append(batch, pending[k])
				}
				h.createBatch(c, r, batch)
				progressed = true
				continue
			}
			op := r.req.Operations[i]
			refs := bulkRef.FindAllStringSubmatch(op.Path+" "+string(op.Data), -1)
			wait := false
			var refErr *Error
			for _, m := range refs {
				id := m[1]
				at, defined := r.owner[id]
				switch {
				case r.created[id] != "":
				case r.failed[id]:
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
			r.record(i, h.bulkOne(c, op, r.created, refErr))
		}
		if !progressed {
			// What is left waits on itself: circular references (§3.7.1).
			for _, i := range waiting {
				if r.stop() {
					break
				}
				e := newError(http.StatusConflict, typeInvalidValue, "The operation's bulkId references are circular.")
				r.record(i, resultFor(r.req.Operations[i], e))
			}
			break
		}
		pending = waiting
	}
}

// errOneByOne rolls back a batch that failOnErrors would have stopped midway.
var errOneByOne = errors.New("scim: bulk: failOnErrors stops inside the batch")

// createBatch creates the checked users of the POSTs batch (indices of
// operations) with one write of the service, in a savepoint. Should
// failOnErrors stop the request before the last of them, the savepoint is
// rolled back and the POSTs run one at a time instead, up to the one that
// stops it.
func (h *handler) createBatch(c echo.Context, r *bulkRun, batch []int) {
	ctx := c.Request().Context()
	results := make([]*bulkResult, len(batch))
	ids := make([]string, len(batch))
	err := h.svc.InTransaction(ctx, func(tx *oauth.Service, _ store.Store) error {
		var users []oauth.NewUser
		var at []int // the position in batch of each of users
		for p, i := range batch {
			if err := r.checked[i].err; err != nil {
				results[p] = h.bulkError(ctx, r.req.Operations[i], err)
				continue
			}
			users, at = append(users, r.checked[i].user), append(at, p)
		}
		stored, errs, err := tx.CreateUsers(ctx, actorOf(c), users)
		if err != nil {
			return err
		}
		for k, p := range at {
			op := r.req.Operations[batch[p]]
			if errs[k] != nil {
				results[p] = h.bulkError(ctx, op, userError(errs[k], "", users[k].UserName()))
				continue
			}
			ids[p] = stored[k].ID
			results[p] = createdResult(op, h.location(stored[k].ID), stored[k].Version)
		}
		if r.req.FailOnErrors != nil {
			failed := r.errors
			for _, res := range results[:len(results)-1] {
				if res.Response != nil {
					failed++
				}
				if failed >= *r.req.FailOnErrors {
					return errOneByOne
				}
			}
		}
		return nil
	})
	if errors.Is(err, errOneByOne) {
		for _, i := range batch {
			if r.stop() {
				break
			}
			op := r.req.Operations[i]
			var res *bulkResult
			if err := r.checked[i].err; err != nil {
				res = h.bulkError(ctx, op, err)
			} else if u, err := h.createChecked(ctx, actorOf(c), r.checked[i].user); err != nil {
				res = h.bulkError(ctx, op, err)
			} else {
				r.created[op.BulkID] = u.ID
				res = createdResult(op, h.location(u.ID), u.Version)
			}
			r.record(i, res)
		}
		return
	}
	for p, i := range batch {
		if r.stop() {
			break
		}
		res := results[p]
		if err != nil {
			res = h.bulkError(ctx, r.req.Operations[i], err)
		} else if ids[p] != "" {
			r.created[r.req.Operations[i].BulkID] = ids[p]
		}
		r.record(i, res)
	}
}

// createdResult is the result of a POST that created a user.
func createdResult(op bulkOp, location string, version int64) *bulkResult {
	return &bulkResult{Method: http.MethodPost, BulkID: op.BulkID, Status: "201", Location: location, Version: etag(version)}
}

// bulkError is the result of an operation that failed with err: a client's
// error as it is, any other logged and answered with a 500.
func (h *handler) bulkError(ctx context.Context, op bulkOp, err error) *bulkResult {
	e := asError(err)
	if e == nil {
		h.log.ErrorContext(ctx, "scim: bulk operation failed", "method", strings.ToUpper(op.Method), "err", err)
		e = newError(http.StatusInternalServerError, "", "Something went wrong on our side with this operation.")
	}
	return resultFor(op, e)
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
			return createdResult(op, h.location(u.ID), u.Version)
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
		r := h.bulkError(ctx, op, err)
		if isUser {
			r.Location = h.location(id)
		}
		return r
	}
	return res
}
