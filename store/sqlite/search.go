package sqlite

import (
	"context"

	"github.com/appintegration/appintegration/store"
)

// userSearch is the filter of SearchUsers; every ? is the same LIKE pattern.
const userSearch = ` WHERE lower(u.user_name) LIKE ?1 ESCAPE '\'
	OR lower(u.given_name || ' ' || u.family_name) LIKE ?1 ESCAPE '\'
	OR lower(u.display_name) LIKE ?1 ESCAPE '\'
	OR EXISTS (SELECT 1 FROM user_emails e WHERE e.user_id = u.id AND e.value_lower LIKE ?1 ESCAPE '\')`

// SearchUsers returns one page of the users that match q, ordered by userName,
// and how many match in all, or an error.
func (db *DB) SearchUsers(ctx context.Context, q store.PageQuery) ([]store.User, int, error) {
	offset, limit := q.Bounds()
	pattern := store.LikePattern(q.Search)
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM users u`+userSearch, pattern).Scan(&total); err != nil {
		return nil, 0, wrap("search users", err)
	}
	rows, err := db.db.QueryContext(ctx, userSelect+userSearch+
		` ORDER BY u.user_name COLLATE NOCASE, u.id LIMIT ?2 OFFSET ?3`, pattern, limit, offset)
	if err != nil {
		return nil, 0, wrap("search users", err)
	}
	defer rows.Close()
	var list []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, wrap("search users", err)
		}
		list = append(list, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, wrap("search users", err)
	}
	return list, total, nil
}

const clientSearch = ` WHERE lower(name) LIKE ?1 ESCAPE '\' OR lower(id) LIKE ?1 ESCAPE '\'`

// SearchClients returns one page of the clients that match q, oldest first, and
// how many match in all, or an error.
func (db *DB) SearchClients(ctx context.Context, q store.PageQuery) ([]store.Client, int, error) {
	offset, limit := q.Bounds()
	pattern := store.LikePattern(q.Search)
	var total int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM clients`+clientSearch, pattern).Scan(&total); err != nil {
		return nil, 0, wrap("search clients", err)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT `+clientColumns+` FROM clients`+clientSearch+
		` ORDER BY created_at, id LIMIT ?2 OFFSET ?3`, pattern, limit, offset)
	if err != nil {
		return nil, 0, wrap("search clients", err)
	}
	defer rows.Close()
	var list []store.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, 0, wrap("search clients", err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, wrap("search clients", err)
	}
	return list, total, nil
}
