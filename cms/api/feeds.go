package api

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"healthcms/cms"
)

// Feeds and sitemaps link to the publisher's site, not to this API: the
// page of an article is SiteURL/articles/{slug}, of a topic
// SiteURL/topics/{slug}.
func (s *Server) articleURL(slug string) string {
	return s.SiteURL + "/articles/" + url.PathEscape(slug)
}
func (s *Server) topicURL(slug string) string { return s.SiteURL + "/topics/" + url.PathEscape(slug) }

// feedSize is how many of the newest articles a feed carries.
const feedSize = 50

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	Title     string   `xml:"title"`
	ID        string   `xml:"id"`
	Link      atomLink `xml:"link"`
	Published string   `xml:"published"`
	Updated   string   `xml:"updated"`
	Summary   string   `xml:"summary"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Link    atomLink    `xml:"link"`
	Updated string      `xml:"updated"`
	Author  string      `xml:"author>name"`
	Entries []atomEntry `xml:"entry"`
}

func (s *Server) feed(r *http.Request) (*cachedResponse, error) {
	topic := r.URL.Query().Get("topic")
	f := atomFeed{Title: s.SiteName, ID: s.SiteURL + "/", Link: atomLink{Rel: "alternate", Href: s.SiteURL + "/"}, Author: s.SiteName}
	if topic != "" {
		t, err := s.reader.Topic(r.Context(), topic)
		if err != nil {
			return nil, err
		}
		f.Title, f.ID, f.Link.Href = s.SiteName+": "+t.Name, s.topicURL(t.Slug), s.topicURL(t.Slug)
	}
	items, _, err := s.reader.Articles(r.Context(), topic, feedSize, "")
	if err != nil {
		return nil, err
	}
	var updated time.Time
	for _, it := range items {
		if it.UpdatedAt.After(updated) {
			updated = it.UpdatedAt
		}
		f.Entries = append(f.Entries, atomEntry{Title: it.Title, ID: "urn:uuid:" + it.ArticleID,
			Link: atomLink{Rel: "alternate", Href: s.articleURL(it.Slug)}, Published: it.PublishedAt.Format(time.RFC3339),
			Updated: it.UpdatedAt.Format(time.RFC3339), Summary: it.Summary})
	}
	if updated.IsZero() {
		updated = time.Unix(0, 0).UTC() // an empty feed has not changed since the epoch
	}
	f.Updated = updated.Format(time.RFC3339)
	return xmlAnswer("application/atom+xml; charset=utf-8", f), nil
}

func xmlAnswer(ctype string, v any) *cachedResponse {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := xml.NewEncoder(&b).Encode(v); err != nil {
		panic(err) // plain data always encodes
	}
	b.WriteByte('\n')
	return newCached(ctype, b.Bytes(), cms.StrongETag(b.Bytes()), nil)
}

// sitemapMax is the sitemap protocol's limit of URLs per file; beyond it
// sitemap.xml becomes an index of pages.
const sitemapMax = 50000

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod"`
}

type urlSet struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapIndex struct {
	XMLName  xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []sitemapURL `xml:"sitemap"`
}

func (s *Server) sitemap(r *http.Request) (*cachedResponse, error) {
	page, err := queryInt(r, "page", 0, 1, 1<<20)
	if err != nil {
		return nil, err
	}
	topics, err := s.reader.Topics(r.Context())
	if err != nil {
		return nil, err
	}
	var urls []sitemapURL
	for _, t := range topics {
		urls = append(urls, sitemapURL{s.topicURL(t.Slug), t.UpdatedAt.Format(time.RFC3339)})
	}
	err = s.reader.EachLive(r.Context(), func(it cms.LiveItem) error {
		urls = append(urls, sitemapURL{s.articleURL(it.Slug), it.UpdatedAt.Format(time.RFC3339)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	const ctype = "application/xml; charset=utf-8"
	pages := (len(urls) + sitemapMax - 1) / sitemapMax
	switch {
	case page == 0 && pages <= 1:
		return xmlAnswer(ctype, urlSet{URLs: urls}), nil
	case page == 0:
		idx := sitemapIndex{}
		now := time.Now().UTC().Format(time.RFC3339)
		for p := 1; p <= pages; p++ {
			idx.Sitemaps = append(idx.Sitemaps, sitemapURL{fmt.Sprintf("%s/api/v1/delivery/sitemap.xml?page=%d", baseURL(r), p), now})
		}
		return xmlAnswer(ctype, idx), nil
	case page > pages:
		return nil, cms.Errorf(cms.ENOTFOUND, "no such sitemap page")
	}
	return xmlAnswer(ctype, urlSet{URLs: urls[(page-1)*sitemapMax : min(page*sitemapMax, len(urls))]}), nil
}

// baseURL is this API's own origin as the client reached it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
