package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/oauth"
	"github.com/appintegration/appintegration/store"
)

// Groups are the roles of the fixed role catalog (docs/contract.md, "Roles"):
// a directory assigns a role by adding users to the group of the same name.
// A group's members are the users holding its role; they are read from the
// store's index of roles, a page at a time.

// maxGroupMembers is the most members a Group resource shows. The complete
// list, paged, is GET /Users?filter=groups.value eq "<id>".
const maxGroupMembers = 1000

// groupAttrs are the attributes of the Group resource (RFC 7643 §4.2).
var groupAttrs = func() []*attrDef {
	display := str("displayName", "The role's name, e.g. DW Modeler. The catalog is fixed: it cannot change.", "")
	display.Required, display.Uniqueness, display.Mutability = true, "server", "immutable"
	members := complexAttr("members", "The users holding the role (at most 1,000 are shown: GET /Users with the filter "+
		`groups.value eq "<id>" lists them all, paged). Adding and removing members assigns and removes the role.`, "",
		exact(attr("value", typeString, "The id of a user.", "")),
		readOnly(exact(attr("$ref", typeReference, "URI of the user.", ""))),
		readOnly(str("display", "The user's displayName, else userName.", "")),
		readOnly(str("type", "User.", "")),
	)
	members.MultiValued = true
	attrs := []*attrDef{display, members}
	for _, a := range attrs {
		a.schema = SchemaGroup
	}
	return attrs
}()

// groupCommon are the common attributes of a Group (RFC 7643 §3.1).
var groupCommon = func() []*attrDef {
	id := exact(readOnly(str("id", "The id of the group: the role's value without PROFILE:sap.dwc:.", "")))
	id.Returned = "always"
	meta := readOnly(complexAttr("meta", "Resource metadata.", "",
		exact(readOnly(str("resourceType", "Group.", ""))),
		exact(readOnly(attr("location", typeReference, "URI of the group.", ""))),
	))
	return []*attrDef{id, meta}
}()

// lookupGroupAttr finds a top-level attribute of the Group resource.
func lookupGroupAttr(uri, name string) *attrDef {
	if uri != "" && !strings.EqualFold(uri, SchemaGroup) {
		return nil
	}
	for _, list := range [][]*attrDef{groupAttrs, groupCommon} {
		for _, a := range list {
			if strings.EqualFold(a.Name, name) {
				return a
			}
		}
	}
	if uri == "" && strings.EqualFold(name, "schemas") {
		return schemasAttr
	}
	return nil
}

var errFixedGroups = newError(http.StatusBadRequest, typeMutability,
	"The groups of this service are its role catalog, which is fixed: groups cannot be created, renamed or deleted. "+
		"Name the directory's group after a role (DW Administrator, DW Space Administrator, DW Integrator, DW Modeler, "+
		"DW Viewer, DW Consumer) and push it: its members get the role.")

func (h *handler) registerGroups(g *echo.Group) {
	g.GET("/Groups", h.listGroups)
	g.POST("/Groups/.search", h.searchGroups)
	g.GET("/Groups/:id", h.getGroup)
	g.PATCH("/Groups/:id", h.patchGroup)
	g.PUT("/Groups/:id", h.replaceGroup)
	g.POST("/Groups", h.createGroup)
	g.DELETE("/Groups/:id", func(echo.Context) error { return errFixedGroups })
}

// group returns the role of the group with id, or a 404 error.
func (h *handler) group(ctx context.Context, id string) (store.Role, error) {
	cat, err := h.catalog(ctx)
	if err != nil {
		return store.Role{}, err
	}
	r, ok := cat.byGroup[id]
	if !ok {
		return store.Role{}, newError(http.StatusNotFound, "", "There is no group with id %q; the groups are the roles: %s.",
			truncate(id, 80), strings.Join(groupIDs(cat), ", "))
	}
	return r, nil
}

func groupIDs(cat roleCatalog) []string {
	ids := make([]string, len(cat.list))
	for i, r := range cat.list {
		ids[i] = groupID(r)
	}
	return ids
}

// groupResource returns the Group of role r; with members, with the first
// maxGroupMembers users holding it.
func (h *handler) groupResource(ctx context.Context, r store.Role, members bool) (resource, error) {
	res := resource{
		"schemas":     []any{SchemaGroup},
		"id":          groupID(r),
		"displayName": r.Display,
		"meta":        map[string]any{"resourceType": "Group", "location": h.base() + "/Groups/" + groupID(r)},
	}
	if !members {
		return res, nil
	}
	users, _, err := h.users.QueryUsers(ctx, store.UserQuery{Filter: holds(r), Limit: maxGroupMembers})
	if err != nil {
		return nil, fmt.Errorf("scim: members of %s: %w", groupID(r), err)
	}
	list := make([]any, 0, len(users))
	for _, u := range users {
		display := u.DisplayName
		if display == "" {
			display = u.UserName
		}
		list = append(list, map[string]any{"value": u.ID, "$ref": h.location(u.ID), "display": display, "type": "User"})
	}
	res["members"] = list
	return res, nil
}

// holds is the filter of the users holding role r.
func holds(r store.Role) store.Filter {
	return store.FilterCompare{Attr: store.AttrRoles.Sub("value"), Op: store.OpEq, Value: r.Value}
}

// wantsMembers reports whether a projection returns members, which cost a
// query.
func wantsMembers(pr projection) bool {
	for _, p := range pr.exclude {
		if p.def != nil && p.def.Name == "members" && p.subDef == nil {
			return false
		}
	}
	if len(pr.include) == 0 {
		return true
	}
	return slices.ContainsFunc(pr.include, func(p attrPath) bool { return p.def != nil && p.def.Name == "members" })
}

// listGroups is GET /Groups: the catalog's roles, filtered, paged.
func (h *handler) listGroups(c echo.Context) error {
	q, err := queryFromURLFor(c.QueryParams(), groupBinder)
	if err != nil {
		return err
	}
	return h.respondGroups(c, q)
}

// searchGroups is POST /Groups/.search.
func (h *handler) searchGroups(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	q, err := queryFromBodyFor(body, groupBinder)
	if err != nil {
		return err
	}
	return h.respondGroups(c, q)
}

func (h *handler) respondGroups(c echo.Context, q listQuery) error {
	ctx := c.Request().Context()
	if q.sortBy != nil && q.sortBy.def.Name != "displayName" && q.sortBy.def.Name != "id" {
		return badRequest(typeInvalidValue, "sortBy: groups sort by displayName or id.")
	}
	cat, err := h.catalog(ctx)
	if err != nil {
		return err
	}
	var found []resource
	for _, r := range cat.list {
		res, err := h.groupResource(ctx, r, false)
		if err != nil {
			return err
		}
		if q.filter != nil {
			ok, err := h.groupMatches(ctx, q.filter, r, res)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		found = append(found, res)
	}
	if q.sortBy != nil {
		slices.SortStableFunc(found, func(a, b resource) int {
			c := strings.Compare(store.Fold(asString(a[q.sortBy.def.Name])), store.Fold(asString(b[q.sortBy.def.Name])))
			if q.descending {
				return -c
			}
			return c
		})
	}
	resp := listResponse{Schemas: []string{schemaListResponse}, TotalResults: len(found), StartIndex: q.startIndex, Resources: []resource{}}
	from := min(q.startIndex-1, len(found))
	page := found[from:min(from+q.count, len(found))]
	for _, res := range page {
		if wantsMembers(q.proj) {
			r := cat.byGroup[res["id"].(string)]
			full, err := h.groupResource(ctx, r, true)
			if err != nil {
				return err
			}
			res = full
		}
		resp.Resources = append(resp.Resources, q.proj.apply(res))
	}
	resp.ItemsPerPage = len(resp.Resources)
	return writeJSON(c, http.StatusOK, resp)
}

// groupMatches evaluates a bound Group filter for the group of role r (res,
// without members). Members are asked of the store: members pr, and
// members.value eq (or ne) a user's id, also as members[value eq "…"], the
// question a directory asks to learn whether a user is in a group.
func (h *handler) groupMatches(ctx context.Context, e expr, r store.Role, res resource) (bool, error) {
	memberIs := func(op string, v any) (bool, error) {
		id, ok := v.(string)
		if !ok || (op != "eq" && op != "ne") {
			return false, badRequest(typeInvalidFilter, "filter: members can be compared on value, with eq or ne and a user's id.")
		}
		u, err := h.users.GetUser(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, fmt.Errorf("scim: member: %w", err)
		}
		in := err == nil && slices.Contains(u.Roles, r.Value)
		return in == (op == "eq"), nil
	}
	switch e := e.(type) {
	case *logicalExpr:
		l, err := h.groupMatches(ctx, e.Left, r, res)
		if err != nil {
			return false, err
		}
		if l == (e.Op == "or") {
			return l, nil
		}
		return h.groupMatches(ctx, e.Right, r, res)
	case *notExpr:
		x, err := h.groupMatches(ctx, e.X, r, res)
		return !x, err
	case *presentExpr:
		if e.Path.def.Name == "members" {
			_, n, err := h.users.QueryUsers(ctx, store.UserQuery{Filter: holds(r)})
			return n > 0, err
		}
	case *compareExpr:
		if e.Path.def.Name == "members" {
			if e.Path.subDef == nil || e.Path.subDef.Name != "value" {
				return false, badRequest(typeInvalidFilter, "filter: members can be compared on value only.")
			}
			return memberIs(e.Op, e.Value)
		}
	case *valuePathExpr:
		if c, ok := e.Filter.(*compareExpr); ok && e.Path.def.Name == "members" && c.Path.subDef.Name == "value" {
			return memberIs(c.Op, c.Value)
		}
		return false, badRequest(typeInvalidFilter, `filter: a value filter of members is members[value eq "<id>"].`)
	}
	return matches(e, res), nil
}

// getGroup is GET /Groups/{id}.
func (h *handler) getGroup(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := h.group(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	q := c.QueryParams()
	proj := newProjectionFor(groupBinder, splitList(q.Get("attributes")), splitList(q.Get("excludedAttributes")))
	res, err := h.groupResource(ctx, r, wantsMembers(proj))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, proj.apply(res))
}

// createGroup is POST /Groups: refused, as the catalog is fixed; a group
// named as a role exists already.
func (h *handler) createGroup(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var g struct {
		DisplayName string `json:"displayName"`
	}
	_ = json.Unmarshal(body, &g)
	cat, err := h.catalog(c.Request().Context())
	if err != nil {
		return err
	}
	for _, r := range cat.list {
		if strings.EqualFold(strings.TrimSpace(g.DisplayName), r.Display) {
			return newError(http.StatusConflict, typeUniqueness, "The group %q exists: its id is %s. Add members with PATCH %s/Groups/%s.",
				r.Display, groupID(r), BasePath, groupID(r))
		}
	}
	return errFixedGroups
}

// memberChange is what one PATCH or PUT does to the members of a group.
type memberChange struct {
	add, remove []string // user ids
	removeAll   bool     // before add: every member goes (replace)
}

// patchGroup is PATCH /Groups/{id} (RFC 7644 §3.5.2): add, remove and
// replace of members assign and remove the role, all or nothing; the
// displayName, which is the role's, can only be sent back as it is. It
// answers 204.
func (h *handler) patchGroup(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := h.group(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req patchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return badRequest(typeInvalidSyntax, "The body is not a PatchOp request: %s.", jsonProblem(err))
	}
	if !containsFold(req.Schemas, schemaPatchOp) {
		return badRequest(typeInvalidSyntax, "schemas must hold %s.", schemaPatchOp)
	}
	if len(req.Operations) == 0 || len(req.Operations) > maxPatchOps {
		return badRequest(typeInvalidSyntax, "Operations must hold 1 to %d operations.", maxPatchOps)
	}
	var changes []memberChange
	for i, op := range req.Operations {
		ch, err := groupOp(op, r)
		if err != nil {
			e := asError(err)
			return &Error{Status: e.Status, ScimType: e.ScimType, Detail: fmt.Sprintf("Operations[%d]: %s", i, e.Detail)}
		}
		changes = append(changes, ch...)
	}
	if err := h.changeMembers(ctx, actorOf(c).Through("SCIM Group PATCH"), r, changes); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// groupOp reads one PATCH operation of a group.
func groupOp(op patchOp, r store.Role) ([]memberChange, error) {
	kind := strings.ToLower(op.Op)
	if kind != "add" && kind != "replace" && kind != "remove" {
		return nil, badRequest(typeInvalidSyntax, "op %q is not add, replace or remove.", truncate(op.Op, 20))
	}
	var value any
	if len(op.Value) > 0 && string(op.Value) != "null" {
		if err := json.Unmarshal(op.Value, &value); err != nil {
			return nil, badRequest(typeInvalidSyntax, "value is not valid JSON.")
		}
	}
	path := strings.TrimSpace(op.Path)
	if path == "" {
		// A path-less add or replace: an object of attributes.
		obj, ok := value.(map[string]any)
		if !ok || kind == "remove" {
			return nil, badRequest(typeInvalidValue, "without a path, op add or replace takes an object of attributes.")
		}
		var out []memberChange
		for k, v := range obj {
			switch strings.ToLower(k) {
			case "members":
				ids, err := memberIDs(v)
				if err != nil {
					return nil, err
				}
				out = append(out, memberChange{add: ids, removeAll: kind == "replace"})
			case "displayname":
				if err := sameDisplay(v, r); err != nil {
					return nil, err
				}
			case "id", "schemas", "meta", "externalid":
			default:
				return nil, badRequest(typeInvalidPath, "a group has displayName and members, not %q.", truncate(k, 40))
			}
		}
		return out, nil
	}
	switch {
	case strings.EqualFold(path, "displayName"):
		if kind == "remove" {
			return nil, errFixedGroups
		}
		return nil, sameDisplay(value, r)
	case strings.EqualFold(path, "members"):
		ids, err := memberIDs(value)
		if err != nil && !(kind == "remove" && value == nil) {
			return nil, err
		}
		switch kind {
		case "add":
			return []memberChange{{add: ids}}, nil
		case "replace":
			return []memberChange{{add: ids, removeAll: true}}, nil
		}
		if value == nil {
			return []memberChange{{removeAll: true}}, nil
		}
		return []memberChange{{remove: ids}}, nil
	}
	// members[value eq "id"], as Entra ID and Okta remove one member.
	f, err := parseFilter(path)
	if err == nil {
		err = groupBinder.bind(f, nil)
	}
	vp, ok := f.(*valuePathExpr)
	if err != nil || !ok || vp.Path.def.Name != "members" || kind != "remove" {
		return nil, badRequest(typeInvalidPath, `path: a group's paths are displayName, members and, to remove one, members[value eq "<id>"].`)
	}
	c, ok := vp.Filter.(*compareExpr)
	id, isString := any(nil), false
	if ok {
		id = c.Value
		_, isString = id.(string)
	}
	if !ok || c.Op != "eq" || c.Path.subDef.Name != "value" || !isString {
		return nil, badRequest(typeInvalidPath, `path: a member is removed by members[value eq "<id>"].`)
	}
	return []memberChange{{remove: []string{id.(string)}}}, nil
}

// memberIDs reads a list of members ([{"value":"<id>"}, …]).
func memberIDs(v any) ([]string, error) {
	list, ok := v.([]any)
	if m, isMap := v.(map[string]any); isMap {
		list, ok = []any{m}, true
	}
	if !ok {
		return nil, badRequest(typeInvalidValue, `members must be a list of objects with value, the id of a user.`)
	}
	var ids []string
	for i, item := range list {
		m, _ := item.(map[string]any)
		id, _ := m["value"].(string)
		if strings.TrimSpace(id) == "" {
			return nil, badRequest(typeInvalidValue, "members[%d] has no value (the id of a user).", i)
		}
		ids = append(ids, strings.TrimSpace(id))
	}
	return ids, nil
}

// sameDisplay accepts a displayName that names r (as clients send it back),
// and refuses any other: the catalog's names are fixed.
func sameDisplay(v any, r store.Role) error {
	if s, ok := v.(string); ok && strings.EqualFold(strings.TrimSpace(s), r.Display) {
		return nil
	}
	return errFixedGroups
}

// replaceGroup is PUT /Groups/{id}: the members become the ones given.
func (h *handler) replaceGroup(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := h.group(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return badRequest(typeInvalidSyntax, "The body is not a Group resource.")
	}
	res := resource{}
	for k, v := range doc {
		res[strings.ToLower(k)] = v
	}
	if !slices.ContainsFunc(asStrings(res["schemas"]), func(s string) bool { return strings.EqualFold(s, SchemaGroup) }) {
		return badRequest(typeInvalidSyntax, "schemas must hold %s.", SchemaGroup)
	}
	if err := sameDisplay(res["displayname"], r); err != nil {
		return err
	}
	var ids []string
	if v, ok := res["members"]; ok && v != nil {
		if ids, err = memberIDs(v); err != nil {
			return err
		}
	}
	if err := h.changeMembers(ctx, actorOf(c).Through("SCIM Group PUT"), r, []memberChange{{add: ids, removeAll: true}}); err != nil {
		return err
	}
	g, err := h.groupResource(ctx, r, true)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, g)
}

// changeMembers applies changes to the holders of role r, in order, in one
// transaction: each a change of one user's roles through the service, with
// its rules (no technical users) and audit entry. Any failure changes
// nothing. Replacing the members leaves the technical users holding r
// alone: they are no directory's (and their roles change only through their
// client).
func (h *handler) changeMembers(ctx context.Context, actor oauth.Actor, r store.Role, changes []memberChange) error {
	return h.svc.InTransaction(ctx, func(tx *oauth.Service, st store.Store) error {
		set := func(id string, member bool) error {
			_, err := tx.SetUserRole(ctx, actor, id, r.Value, member)
			return memberError(err, id)
		}
		for _, ch := range changes {
			keep := map[string]bool{}
			for _, id := range ch.add {
				keep[id] = true
			}
			if ch.removeAll {
				// The holders, a page at a time; those given stay.
				for offset := 0; ; {
					users, total, err := st.QueryUsers(ctx, store.UserQuery{Filter: holds(r), Offset: offset, Limit: store.MaxPageLimit})
					if err != nil {
						return fmt.Errorf("scim: members: %w", err)
					}
					for _, u := range users {
						if keep[u.ID] || u.ClientID != "" {
							offset++
							continue
						}
						if err := set(u.ID, false); err != nil {
							return err
						}
					}
					if len(users) == 0 || offset >= total {
						break
					}
				}
			}
			for _, id := range ch.add {
				if err := set(id, true); err != nil {
					return err
				}
			}
			for _, id := range ch.remove {
				if err := set(id, false); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// memberError turns an error of changing a member's roles into the SCIM
// error naming the member.
func memberError(err error, id string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return badRequest(typeInvalidValue, "There is no user with id %q to be a member.", truncate(id, 80))
	case errors.Is(err, oauth.ErrTechnicalUser):
		return badRequest(typeMutability, "User %q is the technical user of a Technical User client: its roles change only through its client.", truncate(id, 80))
	case oauth.AsValidationError(err) != nil:
		return badRequest(typeInvalidValue, "User %q cannot take the role: %v.", truncate(id, 80), err)
	}
	return fmt.Errorf("scim: member %s: %w", id, err)
}
