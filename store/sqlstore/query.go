package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/appintegration/appintegration/store"
)

// QueryUsers returns one page of the users q selects, in q's order, and how
// many it selects in all. The filter becomes SQL with parameters (never a
// value in the SQL text), answered from the indexes of migration 0004; no more
// users than the page are read into memory. It returns an error wrapping
// store.ErrBadQuery for a filter or sort it cannot evaluate, or the driver's.
func (db *DB) QueryUsers(ctx context.Context, q store.UserQuery) ([]store.User, int, error) {
	b := &builder{d: db.d}
	where := ""
	if q.Filter != nil {
		cond, err := b.filter(q.Filter)
		if err != nil {
			return nil, 0, err
		}
		where = " WHERE " + cond
	}
	order, err := b.order(q.SortBy, q.Descending)
	if err != nil {
		return nil, 0, err
	}
	var total, all int // the users q selects, and all users
	const countAll = `SELECT coalesce(sum(n), 0) FROM user_counts`
	if where == "" {
		err = db.q.QueryRowContext(ctx, countAll).Scan(&total)
		all = total
	} else {
		err = db.q.QueryRowContext(ctx, `SELECT count(*), (`+countAll+`) FROM users`+where, b.args...).Scan(&total, &all)
	}
	if err != nil {
		return nil, 0, db.wrap("query users", err)
	}
	offset, limit := max(q.Offset, 0), min(max(q.Limit, 0), store.MaxPageLimit)
	if offset >= total || limit == 0 {
		return nil, total, nil
	}
	// A page past the middle is read backwards from the end, so that the
	// database skips the fewer rows: the last page costs what the first does.
	reverse := offset > total/2
	if reverse {
		end := min(offset+limit, total)
		offset, limit = total-end, end-offset
		for i := range order {
			order[i].desc = !order[i].desc
		}
	}
	// A filter that selects few users is answered from its own index and
	// what it found sorted, not by reading the users in the sort order until
	// enough of them match. The planners pick the latter when they misjudge
	// where in the order the matches are: at a million users, SQLite took
	// 260 ms and PostgreSQL 200 ms to find the 10,000 last modified, sorted by
	// userName, which come last in it; 3 and 12 ms sorting what was found.
	found := q.Filter != nil && total <= db.d.sortFoundLimit(offset+limit, all)
	from := ` FROM users` + where
	if found && db.d.fence != nil {
		from = db.d.fence(where)
	}
	query := `SELECT ` + userColumns + from + b.orderBy(order, found) +
		` LIMIT ` + b.arg(limit) + ` OFFSET ` + b.arg(offset)
	list, err := queryList(ctx, db.q, scanUser, query, b.args...)
	if err != nil {
		return nil, 0, db.wrap("query users", err)
	}
	if reverse {
		slices.Reverse(list)
	}
	return list, total, nil
}

// orderBy is the ORDER BY clause of order; with found, one that no index
// answers, so that the engine sorts what the filter found (where the dialect
// has a way to say so).
func (b *builder) orderBy(order []orderTerm, found bool) string {
	terms := make([]string, len(order))
	for i, t := range order {
		terms[i] = t.expr
		if found && b.d.unindexed != nil {
			terms[i] = b.d.unindexed(t.expr)
		}
		if t.desc {
			terms[i] += " DESC"
		}
	}
	return " ORDER BY " + strings.Join(terms, ", ")
}

// builder collects the SQL of one query and its arguments.
type builder struct {
	d    *dialect
	args []any
}

// arg adds v as the next argument and returns its placeholder.
func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// text is a text argument where its type cannot be inferred (in a function).
func (b *builder) text(s string) string { return "CAST(" + b.arg(s) + " AS TEXT)" }

func badQuery(format string, args ...any) error {
	return fmt.Errorf("%w: %s", store.ErrBadQuery, fmt.Sprintf(format, args...))
}

// kind is the type of an attribute's values.
type kind int

const (
	kindText kind = iota
	kindBool
	kindTime
	kindNever // an attribute that is never set: roles.type, roles.primary
)

// column is how an attribute's value is read in SQL.
type column struct {
	expr  string
	kind  kind
	exact bool // a case-exact string
	// lower, when set, is the expression of the value with A-Z lower-cased,
	// stored (user_values.value_lower); otherwise lower(expr).
	lower string
	// flagged columns have a sort index that starts with emptyKey(expr):
	// their presence is written so, to use it.
	flagged bool
	// searched attributes have copies in user_values, whose trigram index
	// answers co and ew.
	searched bool
}

const (
	fullNameExpr    = `trim(users.given_name || ' ' || users.family_name)`
	formattedExpr   = `CASE WHEN users.formatted_name <> '' THEN users.formatted_name ELSE ` + fullNameExpr + ` END`
	managerNameExpr = `coalesce((SELECT m.display_name FROM users m WHERE m.id = users.manager_id AND users.manager_id <> ''), '')`
)

// columns are the single-valued attributes, on table users.
var columns = map[store.Attr]column{
	store.AttrID:                 {expr: "users.id", exact: true},
	store.AttrExternalID:         {expr: "users.external_id", exact: true},
	store.AttrUserName:           {expr: "users.user_name", searched: true},
	store.AttrNameFormatted:      {expr: formattedExpr},
	store.AttrFullName:           {expr: fullNameExpr, searched: true},
	store.AttrFamilyName:         {expr: "users.family_name", flagged: true},
	store.AttrGivenName:          {expr: "users.given_name", flagged: true},
	store.AttrMiddleName:         {expr: "users.middle_name"},
	store.AttrHonorificPrefix:    {expr: "users.honorific_prefix"},
	store.AttrHonorificSuffix:    {expr: "users.honorific_suffix"},
	store.AttrDisplayName:        {expr: "users.display_name", flagged: true, searched: true},
	store.AttrNickName:           {expr: "users.nick_name"},
	store.AttrProfileURL:         {expr: "users.profile_url"},
	store.AttrTitle:              {expr: "users.title"},
	store.AttrUserType:           {expr: "users.user_type"},
	store.AttrPreferredLanguage:  {expr: "users.preferred_language"},
	store.AttrLocale:             {expr: "users.locale"},
	store.AttrTimezone:           {expr: "users.timezone"},
	store.AttrActive:             {expr: "users.active", kind: kindBool},
	store.AttrIdpUserID:          {expr: "users.idp_user_id", exact: true},
	store.AttrEmployeeNumber:     {expr: "users.employee_number"},
	store.AttrCostCenter:         {expr: "users.cost_center"},
	store.AttrOrganization:       {expr: "users.organization"},
	store.AttrDivision:           {expr: "users.division"},
	store.AttrDepartment:         {expr: "users.department"},
	store.AttrManagerValue:       {expr: "users.manager_id", exact: true},
	store.AttrManagerDisplayName: {expr: managerNameExpr},
	store.AttrCreated:            {expr: "users.created_at", kind: kindTime},
	store.AttrLastModified:       {expr: "users.updated_at", kind: kindTime},
}

// multi is how a multi-valued attribute's values are read: one row each, of
// table from (aliased v), with sub-attribute columns.
type multi struct {
	from    string
	primary string // the column that marks the primary value; "" for none
	subs    map[string]column
}

// valuesOf is a multi-valued attribute kept in user_values.
func valuesOf(attr store.Attr) multi {
	return multi{
		from:    `user_values v WHERE v.attr = '` + string(attr) + `'`, // a constant, never input
		primary: "v.is_primary",
		subs: map[string]column{
			"value":   {expr: "v.value", lower: "v.value_lower"},
			"display": {expr: "v.display"},
			"type":    {expr: "v.type"},
			"primary": {expr: "v.is_primary", kind: kindBool},
		},
	}
}

var multis = map[store.Attr]multi{
	store.AttrEmails:       valuesOf(store.AttrEmails),
	store.AttrPhoneNumbers: valuesOf(store.AttrPhoneNumbers),
	store.AttrIMs:          valuesOf(store.AttrIMs),
	store.AttrPhotos:       valuesOf(store.AttrPhotos),
	store.AttrEntitlements: valuesOf(store.AttrEntitlements),
	store.AttrRoles: {
		from: `user_roles v LEFT JOIN roles c ON c.value = v.role WHERE 1 = 1`,
		subs: map[string]column{
			"value":   {expr: "v.role"},
			"display": {expr: "coalesce(c.display, '')"},
			"type":    {kind: kindNever},
			"primary": {kind: kindNever},
		},
	},
}

// lookupMulti splits a multi-valued attribute's sub-attribute (emails.value)
// into the attribute and the sub-attribute's column.
func lookupMulti(a store.Attr) (multi, column, bool) {
	name, sub, ok := strings.Cut(string(a), ".")
	m, found := multis[store.Attr(name)]
	if !ok || !found {
		return multi{}, column{}, false
	}
	c, found := m.subs[sub]
	return m, c, found
}

// filter returns the SQL condition on table users of f.
func (b *builder) filter(f store.Filter) (string, error) {
	switch f := f.(type) {
	case store.FilterAnd:
		return b.join(f.Left, f.Right, " AND ", b.filter)
	case store.FilterOr:
		if cond, ok, err := b.searchedAny(f); ok {
			return cond, err
		}
		return b.join(f.Left, f.Right, " OR ", b.filter)
	case store.FilterNot:
		x, err := b.filter(f.X)
		return "NOT (" + x + ")", err
	case store.FilterConst:
		return constant(f.Value), nil
	case store.FilterPresent:
		if m, ok := multis[f.Attr]; ok {
			return "users.id IN (SELECT v.user_id FROM " + m.from + ")", nil
		}
		if c, ok := columns[f.Attr]; ok {
			return b.present(c), nil
		}
		m, c, ok := lookupMulti(f.Attr)
		if !ok {
			return "", badQuery("unknown attribute %q", f.Attr)
		}
		return b.in(m, b.present(c), false), nil
	case store.FilterCompare:
		if c, ok := columns[f.Attr]; ok {
			if c.searched && (f.Op == store.OpCo || f.Op == store.OpEw) {
				return b.searched(f)
			}
			return b.compare(c, f.Op, f.Value)
		}
		m, c, ok := lookupMulti(f.Attr)
		if !ok {
			return "", badQuery("unknown attribute %q", f.Attr)
		}
		// Of a multi-valued attribute's values, ne holds when none is equal
		// and eq null when none is present.
		switch {
		case f.Value == nil && f.Op == store.OpEq:
			return b.in(m, b.present(c), true), nil
		case f.Value == nil && f.Op == store.OpNe:
			return b.in(m, b.present(c), false), nil
		case f.Op == store.OpNe:
			cond, err := b.compare(c, store.OpEq, f.Value)
			return b.in(m, cond, true), err
		}
		cond, err := b.compare(c, f.Op, f.Value)
		return b.in(m, cond, false), err
	case store.FilterAny:
		m, ok := multis[f.Multi]
		if !ok {
			return "", badQuery("%q is not a multi-valued attribute", f.Multi)
		}
		cond, err := b.value(m, f.Multi, f.Filter)
		return b.in(m, cond, false), err
	}
	return "", badQuery("unknown filter %T", f)
}

// value returns the SQL condition on one row of m (alias v) of f, whose
// attributes are sub-attributes of attr.
func (b *builder) value(m multi, attr store.Attr, f store.Filter) (string, error) {
	inner := func(f store.Filter) (string, error) { return b.value(m, attr, f) }
	sub := func(a store.Attr) (column, error) {
		name, ok := strings.CutPrefix(string(a), string(attr)+".")
		c, found := m.subs[name]
		if !ok || !found {
			return column{}, badQuery("%q is not a sub-attribute of %s", a, attr)
		}
		return c, nil
	}
	switch f := f.(type) {
	case store.FilterAnd:
		return b.join(f.Left, f.Right, " AND ", inner)
	case store.FilterOr:
		return b.join(f.Left, f.Right, " OR ", inner)
	case store.FilterNot:
		x, err := inner(f.X)
		return "NOT (" + x + ")", err
	case store.FilterConst:
		return constant(f.Value), nil
	case store.FilterPresent:
		c, err := sub(f.Attr)
		return b.present(c), err
	case store.FilterCompare:
		c, err := sub(f.Attr)
		if err != nil {
			return "", err
		}
		return b.compare(c, f.Op, f.Value)
	}
	return "", badQuery("%T cannot be nested in a value filter of %s", f, attr)
}

func (b *builder) join(l, r store.Filter, op string, each func(store.Filter) (string, error)) (string, error) {
	left, err := each(l)
	if err != nil {
		return "", err
	}
	right, err := each(r)
	return "(" + left + op + right + ")", err
}

func constant(v bool) string {
	if v {
		return "(1 = 1)"
	}
	return "(1 = 0)"
}

// in selects the users that have (or, with not, do not have) a value of m
// for which cond holds.
func (b *builder) in(m multi, cond string, not bool) string {
	op := "IN"
	if not {
		op = "NOT IN"
	}
	return "users.id " + op + " (SELECT v.user_id FROM " + m.from + " AND " + cond + ")"
}

// emptyKey is 1 for an empty text expr, 0 for another: the first column of
// the sort indexes of optional text attributes, so that users without a
// value sort last. An integer rather than the boolean (expr = ”): a test of
// that boolean against false PostgreSQL rewrites as expr <> ”, which does not
// match the index, so that a range on the next column would scan all of it.
func emptyKey(expr string) string { return "CAST((" + expr + " = '') AS INTEGER)" }

// present is the condition that c has a value.
func (b *builder) present(c column) string {
	switch c.kind {
	case kindBool, kindTime:
		return constant(true)
	case kindNever:
		return constant(false)
	}
	if c.flagged {
		return emptyKey(c.expr) + " = " + b.arg(0)
	}
	return c.expr + " <> ''"
}

// compare is the condition of one comparison of c's value, with the
// semantics of store.FilterCompare for one value.
func (b *builder) compare(c column, op store.CompareOp, v any) (string, error) {
	if v == nil {
		switch op {
		case store.OpEq:
			return "NOT (" + b.present(c) + ")", nil
		case store.OpNe:
			return b.present(c), nil
		}
		return "", badQuery("null can only be compared with eq or ne")
	}
	if op == store.OpNe {
		eq, err := b.compare(c, store.OpEq, v)
		return "NOT (" + eq + ")", err
	}
	switch c.kind {
	case kindNever:
		return constant(false), nil
	case kindBool:
		x, ok := v.(bool)
		if !ok || op != store.OpEq {
			return "", badQuery("a boolean is compared with eq or ne, and true or false")
		}
		return c.expr + " = " + b.arg(x), nil
	case kindTime:
		t, ok := v.(time.Time)
		if !ok {
			return "", badQuery("a dateTime is compared with a time")
		}
		return b.compareTime(c.expr, op, t)
	}
	s, ok := v.(string)
	if !ok {
		return "", badQuery("a string is compared with a string")
	}
	present := b.present(c)
	expr, lit := c.expr, s
	if !c.exact {
		expr, lit = "lower("+c.expr+")", store.Fold(s)
		if c.lower != "" {
			expr = c.lower
		}
	}
	var cond string
	switch op {
	case store.OpEq, store.OpGt, store.OpGe, store.OpLt, store.OpLe:
		cond = expr + " " + sqlOps[op] + " " + b.arg(lit)
	case store.OpSw:
		// Every string that starts with lit sorts from lit to lit + the
		// greatest code point (byte order, on both engines): an index range.
		cond = expr + " >= " + b.arg(lit) + " AND " + expr + " < " + b.arg(lit+string(utf8.MaxRune))
	case store.OpCo, store.OpEw:
		if c.exact {
			if op == store.OpCo {
				cond = b.d.position(b.text(lit), expr) + " > 0"
			} else {
				n := b.text(lit)
				cond = "length(" + expr + ") >= length(" + n + ") AND substr(" + expr + ", length(" + expr +
					") - length(" + n + ") + 1) = " + n
			}
			break
		}
		pattern := likeEscape(lit) + "%"
		if op == store.OpEw {
			pattern = "%" + likeEscape(lit)
		} else {
			pattern = "%" + pattern
		}
		cond = expr + " LIKE " + b.arg(pattern) + ` ESCAPE '\'`
		if c.lower == "v.value_lower" {
			cond = b.d.substring(b, cond, lit)
		}
	default:
		return "", badQuery("unknown operator %q", op)
	}
	return "(" + present + " AND " + cond + ")", nil
}

// searched answers co and ew on a single-valued attribute from its copies in
// user_values, which have a trigram index.
func (b *builder) searched(f store.FilterCompare) (string, error) {
	s, ok := f.Value.(string)
	if !ok {
		return "", badQuery("a string is compared with a string")
	}
	m := valuesOf(f.Attr)
	cond, err := b.compare(m.subs["value"], f.Op, s)
	return b.in(m, cond, false), err
}

// searchedAny answers an or of substring filters (co, or ew) with one value
// on attributes kept in user_values — the console's search is one — with one
// lookup of the trigram index instead of one for each attribute. It reports
// false when f is no such or.
func (b *builder) searchedAny(f store.FilterOr) (string, bool, error) {
	var terms []store.FilterCompare
	var flatten func(store.Filter) bool
	flatten = func(f store.Filter) bool {
		switch f := f.(type) {
		case store.FilterOr:
			return flatten(f.Left) && flatten(f.Right)
		case store.FilterCompare:
			terms = append(terms, f)
			return true
		}
		return false
	}
	if !flatten(f) {
		return "", false, nil
	}
	var attrs []string
	for _, t := range terms {
		if t.Op != terms[0].Op || t.Value != terms[0].Value || (t.Op != store.OpCo && t.Op != store.OpEw) {
			return "", false, nil
		}
		attr := string(t.Attr)
		if c, ok := columns[t.Attr]; !ok || !c.searched {
			name, sub, ok := strings.Cut(attr, ".")
			m, isMulti := multis[store.Attr(name)]
			if !ok || !isMulti || sub != "value" || m.primary == "" { // roles are not in user_values
				return "", false, nil
			}
			attr = name
		}
		attrs = append(attrs, "'"+attr+"'") // attribute names are constants of package store, never input
	}
	s, ok := terms[0].Value.(string)
	if !ok {
		return "", true, badQuery("a string is compared with a string")
	}
	cond, err := b.compare(valuesOf("").subs["value"], terms[0].Op, s)
	return "users.id IN (SELECT v.user_id FROM user_values v WHERE v.attr IN (" + strings.Join(attrs, ", ") +
		") AND " + cond + ")", true, err
}

var sqlOps = map[store.CompareOp]string{
	store.OpEq: "=", store.OpGt: ">", store.OpGe: ">=", store.OpLt: "<", store.OpLe: "<=",
}

// compareTime compares a time column, stored to the microsecond, with t. A t
// with digits below the microsecond equals no stored time and lies between
// two: the comparison is made against the microsecond below it.
func (b *builder) compareTime(expr string, op store.CompareOp, t time.Time) (string, error) {
	t = t.UTC()
	below := t.Truncate(time.Microsecond)
	if !t.Equal(below) {
		switch op {
		case store.OpEq:
			return constant(false), nil
		case store.OpGe:
			op = store.OpGt
		case store.OpLt:
			op = store.OpLe
		}
	}
	sqlOp, ok := sqlOps[op]
	if !ok {
		return "", badQuery("a dateTime is compared with eq, ne, gt, ge, lt or le")
	}
	return expr + " " + sqlOp + " " + b.arg(below), nil
}

// likeEscape escapes the wildcards of LIKE (escape character '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// orderTerm is one term of ORDER BY.
type orderTerm struct {
	expr string
	desc bool
}

// order returns the ORDER BY of a sort by attr: users without a value last
// (first when descending), ties by userName.
func (b *builder) order(attr store.Attr, desc bool) ([]orderTerm, error) {
	byName := orderTerm{"lower(users.user_name)", desc}
	if attr == "" || attr == store.AttrUserName {
		return []orderTerm{byName}, nil
	}
	if c, ok := columns[attr]; ok {
		switch c.kind {
		case kindBool, kindTime:
			return []orderTerm{{c.expr, desc}, byName}, nil
		}
		key := "lower(" + c.expr + ")"
		if c.exact {
			key = c.expr
		}
		return []orderTerm{{emptyKey(c.expr), desc}, {key, desc}, byName}, nil
	}
	m, c, ok := lookupMulti(attr)
	if !ok || c.kind != kindText {
		return nil, badQuery("cannot sort by %q", attr)
	}
	// A multi-valued attribute sorts by its primary value, else its first.
	first := "v.position"
	if m.primary != "" {
		first = m.primary + " DESC, v.position"
	}
	sub := "(SELECT lower(" + c.expr + ") FROM " + m.from + " AND v.user_id = users.id ORDER BY " + first + " LIMIT 1)"
	key := "coalesce(" + sub + ", '')" // no value sorts as an empty one: NULLs sort apart by engine
	return []orderTerm{{key + " = ''", desc}, {key, desc}, byName}, nil
}
