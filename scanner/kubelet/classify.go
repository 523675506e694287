package kubelet

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// excerptMax caps body excerpts in evidence.
const excerptMax = 200

// forbiddenRE matches the kubelet authorizer's 403 body in both forms:
// "Forbidden (user=U, verb=V, resource=nodes, subresource=proxy)" and
// "Forbidden (user=U, verb=V, resource=nodes, subresource(s)=[pods proxy])".
var forbiddenRE = regexp.MustCompile(`Forbidden \(user=(.*?), verb=([^,]*), resource=([^,]*), subresource(?:=([^)\s]*)|\(s\)=\[([^\]]*)\])\)`)

// podMissingRE matches the handlers' answers for a made-up pod:
// "pod does not exist" (run/exec/attach/portForward/checkpoint) and
// `pod "<name>" does not exist` (containerLogs).
var podMissingRE = regexp.MustCompile(`pod (?:"[^"]*" )?does not exist`)

// answer is the classification of one HTTP answer.
type answer struct {
	outcome      string
	user, verb   string
	subresources []string
}

// classify judges an answer from status code and body (kubelet-facts.md).
func classify(path string, status int, body []byte) answer {
	text := string(body)
	switch {
	case status == 401:
		return answer{outcome: facts.OutcomeUnauthenticated}
	case status == 403:
		return classifyForbidden(text)
	case status >= 200 && status < 300:
		return answer{outcome: facts.OutcomeAllowed}
	case status == 404 && podScoped(path) && podMissingRE.MatchString(text):
		return answer{outcome: facts.OutcomeExecAuthorized}
	case status == 404 && strings.Contains(strings.ToLower(text), "page not found"):
		// "404 page not found" (ServeMux) or "404: Page Not Found" (go-restful).
		return answer{outcome: facts.OutcomeNotFound}
	case status == 405 && strings.Contains(strings.ToLower(text), "disabled"):
		return answer{outcome: facts.OutcomeDebugDisabled}
	case status == 406 && strings.Contains(text, "unsupported http method"):
		// apiserver routes.StringFlagPutHandler (/debug/flags/v) answers
		// GET like this only after the auth filter let the request through.
		return answer{outcome: facts.OutcomeMethodRejected}
	}
	return answer{outcome: facts.OutcomeUnexpected}
}

// classifyForbidden parses the user, verb and subresource(s) of a 403 body.
// A 403 that is not the kubelet's format is still "forbidden" but names no
// user, so it proves nothing about anonymous authentication.
func classifyForbidden(text string) answer {
	a := answer{outcome: facts.OutcomeForbidden}
	m := forbiddenRE.FindStringSubmatch(text)
	if m == nil {
		return a
	}
	a.user, a.verb = m[1], m[2]
	if m[4] != "" {
		a.subresources = []string{m[4]}
	} else {
		a.subresources = strings.Fields(m[5])
	}
	return a
}

// excerpt returns at most excerptMax bytes of body as printable single-line
// text: control characters and invalid UTF-8 become '.', whitespace runs one
// space; a cut is marked with "…".
func excerpt(body []byte) string {
	const limit = excerptMax - len("…")
	var b strings.Builder
	space := false
	for len(body) > 0 {
		r, size := utf8.DecodeRune(body)
		if unicode.IsSpace(r) {
			body = body[size:]
			space = b.Len() > 0
			continue
		}
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			r = '.'
		}
		need := utf8.RuneLen(r)
		if space {
			need++
		}
		if b.Len()+need > limit {
			return b.String() + "…"
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		body = body[size:]
	}
	return b.String()
}
