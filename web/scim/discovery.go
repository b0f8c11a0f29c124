package scim

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// Schema URNs of the discovery resources (RFC 7643 §8.7.2).
const (
	schemaServiceProviderConfig = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaResourceType          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema                = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

type supported struct {
	Supported bool `json:"supported"`
}

type authScheme struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description"`
	SpecURI     string `json:"specUri"`
	Primary     bool   `json:"primary"`
}

// serviceProviderConfig is GET /ServiceProviderConfig (RFC 7643 §5). It
// advertises exactly what this package does and enforces.
func (h *handler) serviceProviderConfig(c echo.Context) error {
	return writeJSON(c, http.StatusOK, map[string]any{
		"schemas":          []string{schemaServiceProviderConfig},
		"documentationUri": "https://www.rfc-editor.org/rfc/rfc7644",
		"patch":            supported{true},
		"bulk": map[string]any{
			"supported": true, "maxOperations": MaxBulkOperations, "maxPayloadSize": MaxPayloadSize,
		},
		"filter":         map[string]any{"supported": true, "maxResults": MaxResults},
		"changePassword": supported{true},
		"sort":           supported{true},
		"etag":           supported{true},
		"authenticationSchemes": []authScheme{{
			Type: "oauthbearertoken", Name: "OAuth Bearer Token",
			Description: "An access token with the user_provisioning scope from this server's Token URL (client_credentials).",
			SpecURI:     "https://www.rfc-editor.org/info/rfc6750", Primary: true,
		}},
		"meta": map[string]any{
			"resourceType": "ServiceProviderConfig",
			"location":     h.svc.Issuer() + BasePath + "/ServiceProviderConfig",
		},
	})
}

// schemaDoc renders attribute definitions as RFC 7643 §7 describes.
func schemaDoc(attrs []*attrDef) []map[string]any {
	out := make([]map[string]any, 0, len(attrs))
	for _, a := range attrs {
		m := map[string]any{
			"name": a.Name, "type": a.Type, "multiValued": a.MultiValued, "description": a.Description,
			"required": a.Required, "caseExact": a.CaseExact, "mutability": a.Mutability,
			"returned": a.Returned, "uniqueness": a.Uniqueness,
		}
		if len(a.Canonical) > 0 {
			m["canonicalValues"] = a.Canonical
		}
		if a.Type == typeReference {
			m["referenceTypes"] = []string{"uri"}
		}
		if len(a.Sub) > 0 {
			m["subAttributes"] = schemaDoc(a.Sub)
		}
		out = append(out, m)
	}
	return out
}

func (h *handler) schemaResources() []resource {
	var core []*attrDef
	for _, a := range userAttrs {
		if a.schema == SchemaUser { // id, externalId and meta are common attributes (RFC 7643 §3.1)
			core = append(core, a)
		}
	}
	loc := h.base() + "/Schemas/"
	doc := func(id, name, desc string, attrs []*attrDef) resource {
		return resource{
			"schemas": []string{schemaSchema}, "id": id, "name": name, "description": desc,
			"attributes": schemaDoc(attrs),
			"meta":       map[string]any{"resourceType": "Schema", "location": loc + id},
		}
	}
	return []resource{
		doc(SchemaUser, "User", "User Account", core),
		doc(SchemaEnterprise, "EnterpriseUser", "Enterprise User", enterpriseAttrs),
		doc(SchemaExtension, "UserCustomParameters", "SAP user custom parameters", extensionAttrs),
		doc(SchemaGroup, "Group", "Group: a role of the role catalog", groupAttrs),
	}
}

// schemas is GET /Schemas (RFC 7644 §4).
func (h *handler) schemas(c echo.Context) error {
	return writeJSON(c, http.StatusOK, listOf(h.schemaResources()))
}

// schema is GET /Schemas/{urn}.
func (h *handler) schema(c echo.Context) error {
	for _, s := range h.schemaResources() {
		if strings.EqualFold(s["id"].(string), c.Param("id")) {
			return writeJSON(c, http.StatusOK, s)
		}
	}
	return newError(http.StatusNotFound, "", "There is no schema %q.", truncate(c.Param("id"), 80))
}

func (h *handler) resourceTypeList() []resource {
	rt := func(id, endpoint, desc, schema string, extensions []map[string]any) resource {
		r := resource{
			"schemas": []string{schemaResourceType}, "id": id, "name": id,
			"endpoint": endpoint, "description": desc, "schema": schema,
			"meta": map[string]any{"resourceType": "ResourceType", "location": h.base() + "/ResourceTypes/" + id},
		}
		if extensions != nil {
			r["schemaExtensions"] = extensions
		}
		return r
	}
	return []resource{
		rt("User", "/Users", "User Account", SchemaUser, []map[string]any{
			{"schema": SchemaEnterprise, "required": false},
			{"schema": SchemaExtension, "required": false},
		}),
		rt("Group", "/Groups", "The roles of the role catalog; their members are the users holding the role", SchemaGroup, nil),
	}
}

// resourceTypes is GET /ResourceTypes (RFC 7644 §4).
func (h *handler) resourceTypes(c echo.Context) error {
	return writeJSON(c, http.StatusOK, listOf(h.resourceTypeList()))
}

// resourceType is GET /ResourceTypes/{User,Group}.
func (h *handler) resourceType(c echo.Context) error {
	for _, r := range h.resourceTypeList() {
		if strings.EqualFold(r["id"].(string), c.Param("id")) {
			return writeJSON(c, http.StatusOK, r)
		}
	}
	return newError(http.StatusNotFound, "", "There is no resource type %q; this service has User and Group.", truncate(c.Param("id"), 40))
}

func listOf(list []resource) listResponse {
	return listResponse{Schemas: []string{schemaListResponse}, TotalResults: len(list), StartIndex: 1, ItemsPerPage: len(list), Resources: list}
}
