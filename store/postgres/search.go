package postgres

import (
	"context"

	"github.com/appintegration/appintegration/store"
)

// userSearch is the filter of SearchUsers; $1 is the LIKE pattern.
const userSearch = ` WHERE lower(user_name) LIKE $1
	OR lower(given_name || ' ' || family_name) LIKE $1
	OR lower(display_name) LIKE $1
	OR EXISTS (SELECT 1 FROM unnest(emails_lower) e WHERE e LIKE $1)`

// SearchUsers returns one page of the users that match q, ordered by userName,
// and how many match in all, or an error.
func (db *DB) SearchUsers(ctx context.Context, q store.PageQuery) ([]store.User, int, error) {
	offset, limit := q.Bounds()
	pattern := store.LikePattern(q.Search)
	var total int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM users`+userSearch, pattern).Scan(&total); err != nil {
		return nil, 0, wrap("search users", err)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+userColumns+` FROM users`+userSearch+
		` ORDER BY lower(user_name), id LIMIT $2 OFFSET $3`, pattern, limit, offset)
	if err != nil {
		return nil, 0, wrap("search users", err)
	}
	list, err := collect(rows, scanUser)
	if err != nil {
		return nil, 0, wrap("search users", err)
	}
	return list, total, nil
}

const clientSearch = ` WHERE lower(name) LIKE $1 OR lower(id) LIKE $1`

// SearchClients returns one page of the clients that match q, oldest first, and
// how many match in all, or an error.
func (db *DB) SearchClients(ctx context.Context, q store.PageQuery) ([]store.Client, int, error) {
	offset, limit := q.Bounds()
	pattern := store.LikePattern(q.Search)
	var total int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM clients`+clientSearch, pattern).Scan(&total); err != nil {
		return nil, 0, wrap("search clients", err)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+clientColumns+` FROM clients`+clientSearch+
		` ORDER BY created_at, id LIMIT $2 OFFSET $3`, pattern, limit, offset)
	if err != nil {
		return nil, 0, wrap("search clients", err)
	}
	list, err := collect(rows, scanClient)
	if err != nil {
		return nil, 0, wrap("search clients", err)
	}
	return list, total, nil
}
