package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// listResponse is RFC 7644 §3.4.2's ListResponse.
type listResponse struct {
	Schemas      []string   `json:"schemas"`
	TotalResults int        `json:"totalResults"`
	StartIndex   int        `json:"startIndex"`
	ItemsPerPage int        `json:"itemsPerPage"`
	Resources    []resource `json:"Resources"`
}

func (h *handler) catalog(ctx context.Context) (roleCatalog, error) {
	roles, err := h.svc.Roles(ctx)
	if err != nil {
		return roleCatalog{}, fmt.Errorf("scim: list roles: %w", err)
	}
	return newRoleCatalog(roles), nil
}

// list is GET /Users (RFC 7644 §3.4.2).
func (h *handler) list(c echo.Context) error {
	q, err := queryFromURL(c.QueryParams())
	if err != nil {
		return err
	}
	return h.respondList(c, q)
}

// search is POST /Users/.search (RFC 7644 §3.4.3).
func (h *handler) search(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	q, err := queryFromBody(body)
	if err != nil {
		return err
	}
	return h.respondList(c, q)
}

func (h *handler) respondList(c echo.Context, q listQuery) error {
	resp, err := h.runQuery(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, resp)
}

// runQuery answers a list or search from the store, which evaluates the
// filter, the sort and the page in the database.
func (h *handler) runQuery(ctx context.Context, q listQuery) (listResponse, error) {
	cat, err := h.catalog(ctx)
	if err != nil {
		return listResponse{}, err
	}
	sq := store.UserQuery{Offset: q.startIndex - 1, Limit: q.count, Descending: q.descending}
	if q.filter != nil {
		if sq.Filter, err = (translator{cat: cat, base: h.base()}).storeFilter(q.filter); err != nil {
			return listResponse{}, badRequest(typeInvalidFilter, "filter: %v.", err)
		}
	}
	if q.sortBy != nil {
		if sq.SortBy, err = storeSort(*q.sortBy); err != nil {
			return listResponse{}, badRequest(typeInvalidValue, "sortBy: %v.", err)
		}
	}
	users, total, err := h.users.QueryUsers(ctx, sq)
	switch {
	case errors.Is(err, store.ErrBadQuery):
		return listResponse{}, badRequest(typeInvalidFilter, "filter: %v.", strings.TrimPrefix(err.Error(), store.ErrBadQuery.Error()+": "))
	case err != nil:
		return listResponse{}, fmt.Errorf("scim: query users: %w", err)
	}
	resp := listResponse{Schemas: []string{schemaListResponse}, TotalResults: total, StartIndex: q.startIndex,
		Resources: make([]resource, 0, len(users))}
	for _, u := range users {
		resp.Resources = append(resp.Resources, q.proj.apply(toResource(u, cat, h.base())))
	}
	resp.ItemsPerPage = len(resp.Resources)
	return resp, nil
}

// get is GET /Users/{id}; If-None-Match with the current ETag gives 304
// (RFC 7644 §3.14).
func (h *handler) get(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := h.users.GetUser(ctx, c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return notFound(c.Param("id"))
	}
	if err != nil {
		return fmt.Errorf("scim: get user: %w", err)
	}
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" && etagMatches(inm, u.Version) {
		c.Response().Header().Set("ETag", etag(u.Version))
		return c.NoContent(http.StatusNotModified)
	}
	return h.writeUser(c, http.StatusOK, u)
}

// writeUser answers with u, its ETag, and attributes/excludedAttributes of
// the query string applied.
func (h *handler) writeUser(c echo.Context, status int, u store.User) error {
	cat, err := h.catalog(c.Request().Context())
	if err != nil {
		return err
	}
	q := c.QueryParams()
	proj := newProjection(splitList(q.Get("attributes")), splitList(q.Get("excludedAttributes")))
	hdr := c.Response().Header()
	hdr.Set("ETag", etag(u.Version))
	if status == http.StatusCreated {
		hdr.Set("Location", h.location(u.ID))
	}
	return writeJSON(c, status, proj.apply(toResource(u, cat, h.base())))
}

// create is POST /Users (RFC 7644 §3.3).
func (h *handler) create(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	u, err := h.createUser(c.Request().Context(), actorOf(c), body)
	if err != nil {
		return err
	}
	return h.writeUser(c, http.StatusCreated, u)
}

// replace is PUT /Users/{id} (RFC 7644 §3.5.1).
func (h *handler) replace(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	u, err := h.replaceUser(c.Request().Context(), actorOf(c), c.Param("id"), body, c.Request().Header.Get("If-Match"))
	if err != nil {
		return err
	}
	return h.writeUser(c, http.StatusOK, u)
}

// patch is PATCH /Users/{id} (RFC 7644 §3.5.2). It answers 200 with the user.
func (h *handler) patch(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	u, err := h.patchUser(c.Request().Context(), actorOf(c), c.Param("id"), body, c.Request().Header.Get("If-Match"))
	if err != nil {
		return err
	}
	return h.writeUser(c, http.StatusOK, u)
}

// delete is DELETE /Users/{id} (RFC 7644 §3.6).
func (h *handler) delete(c echo.Context) error {
	if err := h.deleteUser(c.Request().Context(), actorOf(c), c.Param("id"), c.Request().Header.Get("If-Match")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// decodeResource reads a User resource from a request body. It must name the
// core schema (RFC 7643 §3).
func decodeResource(body []byte) (resource, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&doc); err != nil || doc == nil {
		if err == nil {
			return nil, badRequest(typeInvalidSyntax, "The body must be a JSON object.")
		}
		return nil, badRequest(typeInvalidSyntax, "The body is not a User resource: %s.", jsonProblem(err))
	}
	if dec.More() {
		return nil, badRequest(typeInvalidSyntax, "The body holds more than one JSON value.")
	}
	res := normalize(doc)
	if !slices.ContainsFunc(asStrings(res["schemas"]), func(s string) bool { return strings.EqualFold(s, SchemaUser) }) {
		return nil, badRequest(typeInvalidSyntax, "schemas must hold %s.", SchemaUser)
	}
	return res, nil
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// createUser checks and creates a new user through the service. Errors are
// *Error for the client (409 uniqueness for a taken userName), or internal.
func (h *handler) createUser(ctx context.Context, actor oauth.Actor, body []byte) (store.User, error) {
	n, err := h.checkNewUser(ctx, body)
	if err != nil {
		return store.User{}, err
	}
	return h.createChecked(ctx, actor, n)
}

// checkNewUser reads a POST body and checks it against the user rules.
func (h *handler) checkNewUser(ctx context.Context, body []byte) (oauth.NewUser, error) {
	res, err := decodeResource(body)
	if err != nil {
		return oauth.NewUser{}, err
	}
	cat, err := h.catalog(ctx)
	if err != nil {
		return oauth.NewUser{}, err
	}
	in, err := checkResource(res, cat.list)
	if err != nil {
		return oauth.NewUser{}, err
	}
	n, err := h.svc.CheckNewUser(ctx, in)
	return n, userError(err, "", in.UserName)
}

// createChecked creates a user checkNewUser accepted.
func (h *handler) createChecked(ctx context.Context, actor oauth.Actor, n oauth.NewUser) (store.User, error) {
	created, errs, err := h.svc.CreateUsers(ctx, actor, []oauth.NewUser{n})
	if err != nil {
		return store.User{}, fmt.Errorf("scim: %w", err)
	}
	return created[0], userError(errs[0], "", n.UserName())
}

// replaceUser is PUT: every writable attribute is taken from the body; a
// password not sent stays as it is.
func (h *handler) replaceUser(ctx context.Context, actor oauth.Actor, id string, body []byte, ifMatch string) (store.User, error) {
	res, err := decodeResource(body)
	if err != nil {
		return store.User{}, err
	}
	cat, err := h.catalog(ctx)
	if err != nil {
		return store.User{}, err
	}
	in, err := checkResource(res, cat.list)
	if err != nil {
		return store.User{}, err
	}
	u, err := h.svc.ReplaceUser(ctx, actor.Through("SCIM PUT"), id, precondition(ifMatch), in)
	return u, userError(err, id, in.UserName)
}

// patchUser is PATCH: the operations are applied to the user's SCIM form,
// inside the service's transaction, and the result is read as a PUT body
// would be.
func (h *handler) patchUser(ctx context.Context, actor oauth.Actor, id string, body []byte, ifMatch string) (store.User, error) {
	var req patchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return store.User{}, badRequest(typeInvalidSyntax, "The body is not a PatchOp request: %s.", jsonProblem(err))
	}
	cat, err := h.catalog(ctx)
	if err != nil {
		return store.User{}, err
	}
	var userName string
	u, err := h.svc.UpdateUser(ctx, actor.Through("SCIM PATCH"), id, precondition(ifMatch), func(old store.User) (oauth.UserInput, error) {
		doc := toResource(old, cat, h.base())
		if err := applyPatch(doc, req); err != nil {
			return oauth.UserInput{}, err
		}
		in, err := checkResource(doc, cat.list)
		userName = in.UserName
		return in, err
	})
	return u, userError(err, id, userName)
}

// deleteUser deletes a user unless it is a technical user or If-Match names
// another version; the service checks both in the delete's own transaction.
func (h *handler) deleteUser(ctx context.Context, actor oauth.Actor, id, ifMatch string) error {
	return userError(h.svc.DeleteUser(ctx, actor, id, precondition(ifMatch)), id, "")
}

// precondition is the condition an If-Match header (RFC 7232 §3.1) puts on
// the stored version; nil when there is none.
func precondition(ifMatch string) oauth.Precondition {
	if ifMatch == "" {
		return nil
	}
	return func(version int64) bool { return etagMatches(ifMatch, version) }
}

// userError turns an error of the service's user methods into the SCIM
// error for the user with id, whose userName the request tried to set; nil
// stays nil and internal errors stay as they are.
func userError(err error, id, userName string) error {
	switch {
	case err == nil:
		return nil
	case asError(err) != nil: // from the PATCH, inside the transaction
		return asError(err)
	case oauth.AsValidationError(err) != nil:
		return invalidUser(nil, err)
	case errors.Is(err, oauth.ErrUserNameTaken):
		return newError(http.StatusConflict, typeUniqueness, "userName %q is taken.", userName)
	case errors.Is(err, oauth.ErrTechnicalUser):
		return errTechnicalUser
	case errors.Is(err, oauth.ErrPreconditionFailed):
		return errPrecondition
	case errors.Is(err, store.ErrNotFound):
		return notFound(id)
	}
	return fmt.Errorf("scim: %w", err)
}

var errTechnicalUser = newError(http.StatusBadRequest, typeMutability,
	"This is the technical user of a Technical User client: change or delete it through its OAuth client in the console.")

// etagMatches reports whether an If-Match or If-None-Match header value (a
// list of entity tags, or *) names version. The comparison is weak (RFC 7232
// §2.3.2), as SCIM versions are weak ETags.
func etagMatches(header string, version int64) bool {
	want := `"` + strconv.FormatInt(version, 10) + `"`
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}
