package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/appintegration/appintegration/store"
	"github.com/appintegration/appintegration/views"
)

// maxSearch is the longest search text a console table accepts; longer text is cut.
const maxSearch = 100

// searchText is the trimmed, length-limited "q" query parameter.
func searchText(c echo.Context) string {
	q := strings.TrimSpace(c.QueryParam(views.FieldSearch))
	if r := []rune(q); len(r) > maxSearch {
		q = string(r[:maxSearch])
	}
	return q
}

// pageOf reads the page of a searchable table that the request asks for (the
// "q" and "page" parameters; a page past the end shows the last one) with
// search, which returns one page and how many records match in all.
func pageOf[T any](c echo.Context, path string, size int,
	search func(context.Context, store.PageQuery) ([]T, int, error),
) ([]T, views.Pager, error) {
	ctx := c.Request().Context()
	p := views.Pager{Query: searchText(c), Page: 1}
	if n, err := strconv.Atoi(c.QueryParam(views.FieldPage)); err == nil && n > 1 {
		p.Page = n
	}
	q := store.PageQuery{Search: p.Query, Offset: (p.Page - 1) * size, Limit: size}
	rows, total, err := search(ctx, q)
	if err != nil {
		return nil, p, err
	}
	p.Total, p.Pages = total, max(1, (total+size-1)/size)
	if p.Page > p.Pages {
		p.Page, q.Offset = p.Pages, (p.Pages-1)*size
		if rows, p.Total, err = search(ctx, q); err != nil {
			return nil, p, err
		}
	}
	p.All = p.Total
	if p.Query != "" {
		if _, p.All, err = search(ctx, store.PageQuery{Limit: 1}); err != nil {
			return nil, p, err
		}
	}
	if len(rows) > 0 {
		p.From, p.To = q.Offset+1, q.Offset+len(rows)
	}
	link := func(page int) string {
		v := url.Values{}
		if p.Query != "" {
			v.Set(views.FieldSearch, p.Query)
		}
		if page > 1 {
			v.Set(views.FieldPage, strconv.Itoa(page))
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	if p.Page > 1 {
		p.PrevURL = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		p.NextURL = link(p.Page + 1)
	}
	return rows, p, nil
}
