package core

import (
	"strconv"
	"strings"

	"github.com/parleychat/parley/model"
)

// PageParams is a caller's request for one page of a list.
type PageParams struct {
	// Size is the requested page size; nil means the list's default. Values
	// above the list's maximum are clamped; values below 1 are refused.
	Size *int
	// Token is a page token from a previous PageInfo; "" means the first page.
	Token string
}

// PageInfo describes the page core returned.
type PageInfo struct {
	// Size is the page size in effect (after defaulting and clamping).
	Size int
	// NextToken and PrevToken fetch the following and preceding pages; ""
	// when there is none.
	NextToken string
	PrevToken string
}

// Page sizes of each list: the default and the maximum, as Twilio's spec
// gives them.
const (
	DefaultPageSize        = 50
	MaxPageSize            = 100  // services, channels, members, messages, invites, roles, users, keys
	MaxPageSizeUserChannel = 50   // a user's channels
	MaxPageSizeBinding     = 50   // bindings, service and user level
	MaxPageSizeCredential  = 1000 // credentials
	DefaultPageSizeWebhook = 5    // channel webhooks
	MaxPageSizeWebhook     = 5
)

// Page tokens are "PA" + cursor (the page after the cursor) or "PB" + cursor
// (the page before it). Cursors are SIDs or message indices, so tokens are
// URL-safe as they stand; callers must treat them as opaque.
const (
	tokenAfter  = "PA"
	tokenBefore = "PB"
)

// codeNegativePageToken is Twilio's code for a negative message page token.
const codeNegativePageToken = 19038

// listShape says how one list pages.
type listShape struct {
	def, max int
	// cursorPrefix is the SID prefix of the list's cursors; "" for message
	// lists, whose cursors are indices.
	cursorPrefix string
}

var (
	shapeServices     = listShape{DefaultPageSize, MaxPageSize, model.PrefixService}
	shapeRoles        = listShape{DefaultPageSize, MaxPageSize, model.PrefixRole}
	shapeUsers        = listShape{DefaultPageSize, MaxPageSize, model.PrefixUser}
	shapeChannels     = listShape{DefaultPageSize, MaxPageSize, model.PrefixChannel}
	shapeMembers      = listShape{DefaultPageSize, MaxPageSize, model.PrefixMember}
	shapeMessages     = listShape{DefaultPageSize, MaxPageSize, ""}
	shapeInvites      = listShape{DefaultPageSize, MaxPageSize, model.PrefixInvite}
	shapeWebhooks     = listShape{DefaultPageSizeWebhook, MaxPageSizeWebhook, model.PrefixWebhook}
	shapeUserChannels = listShape{DefaultPageSize, MaxPageSizeUserChannel, model.PrefixChannel}
	shapeBindings     = listShape{DefaultPageSize, MaxPageSizeBinding, model.PrefixBinding}
	shapeCredentials  = listShape{DefaultPageSize, MaxPageSizeCredential, model.PrefixCredential}
	shapeKeys         = listShape{DefaultPageSize, MaxPageSize, model.PrefixKey}
)

// request validates pp against the list's shape and turns it into a store
// request.
func (s listShape) request(pp PageParams) (model.PageRequest, error) {
	size := s.def
	if pp.Size != nil {
		size = *pp.Size
		if size < 1 {
			return model.PageRequest{}, model.Errorf(model.KindInvalid, model.CodeInvalidParam,
				"Invalid PageSize: must be between 1 and %d", s.max)
		}
		size = min(size, s.max)
	}
	pr := model.PageRequest{Limit: size}
	if pp.Token == "" {
		return pr, nil
	}
	kind, cursor := pp.Token[:min(2, len(pp.Token))], pp.Token[min(2, len(pp.Token)):]
	if kind != tokenAfter && kind != tokenBefore || !s.validCursor(cursor) {
		if s.cursorPrefix == "" && strings.HasPrefix(cursor, "-") {
			return pr, model.Errorf(model.KindInvalid, codeNegativePageToken, "Invalid PageToken: negative index")
		}
		return pr, model.Errorf(model.KindInvalid, model.CodeInvalidParam, "Invalid PageToken")
	}
	if kind == tokenAfter {
		pr.After = cursor
	} else {
		pr.Before = cursor
	}
	return pr, nil
}

func (s listShape) validCursor(c string) bool {
	if s.cursorPrefix != "" {
		return model.IsSID(s.cursorPrefix, c)
	}
	n, err := strconv.ParseInt(c, 10, 64)
	return err == nil && n >= 0 && strconv.FormatInt(n, 10) == c
}

// pageInfo builds the tokens for the page the store returned for pr.
func pageInfo[T any](pr model.PageRequest, p model.Page[T], cursor func(*T) string) PageInfo {
	info := PageInfo{Size: pr.Limit}
	n := len(p.Items)
	if pr.Before == "" {
		if p.HasMore && n > 0 {
			info.NextToken = tokenAfter + cursor(&p.Items[n-1])
		}
		if pr.After != "" {
			if n > 0 {
				info.PrevToken = tokenBefore + cursor(&p.Items[0])
			} else {
				info.PrevToken = tokenBefore + pr.After
			}
		}
		return info
	}
	if n > 0 {
		info.NextToken = tokenAfter + cursor(&p.Items[n-1])
		if p.HasMore {
			info.PrevToken = tokenBefore + cursor(&p.Items[0])
		}
	}
	return info
}

func messageCursor(m *model.Message) string { return strconv.FormatInt(m.Index, 10) }

// listPage runs one list: it checks pp against the list's shape, fetches the
// page and builds its tokens.
func listPage[T any](shape listShape, pp PageParams, fetch func(model.PageRequest) (model.Page[T], error), cursor func(*T) string) ([]T, PageInfo, error) {
	pr, err := shape.request(pp)
	if err != nil {
		return nil, PageInfo{}, err
	}
	p, err := fetch(pr)
	if err != nil {
		return nil, PageInfo{}, err
	}
	return p.Items, pageInfo(pr, p, cursor), nil
}
