package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/kubelet-audit/kubelet-audit/hack/gen-rbac/gen"
	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// report is the part of the JSON report the check reads.
type report struct {
	Findings []struct {
		RuleID  string `json:"ruleId"`
		Subject string `json:"subject"`
	} `json:"findings"`
	Access []struct {
		Subject     string   `json:"subject"`
		Subresource string   `json:"subresource"`
		Verbs       []string `json:"verbs"`
	} `json:"access"`
	Errors []json.RawMessage `json:"errors"`
}

// check is how a report compares with the answer.
type check struct {
	findings, access, errors int
	// missed and false count subjects over every subresource x verb of the
	// report's access edges (the who-can data).
	missed, false int
	// findingErrs counts subjects whose proxy or log findings disagree
	// with the answer.
	findingErrs int
	holders     int
}

// Rules that report a subject's nodes/proxy grant (broad, workload,
// user/group, system identity) and its nodes/log grant.
var (
	proxyRules = []string{"KA-RBAC-001", "KA-RBAC-002", "KA-RBAC-003", "KA-RBAC-013"}
	logRule    = "KA-RBAC-004"
)

// checkReport compares the report's access edges (who can get/create each
// node subresource) and its proxy and log findings with the answer.
func checkReport(path string, a *gen.Answer) (check, error) {
	start := time.Now()
	b, err := os.ReadFile(path)
	if err != nil {
		return check{}, fmt.Errorf("read report: %w", err)
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return check{}, fmt.Errorf("decode report %s: %w", path, err)
	}
	c := check{findings: len(r.Findings), access: len(r.Access), errors: len(r.Errors)}
	got := map[string]map[string]bool{}
	for _, e := range r.Access {
		for _, v := range e.Verbs {
			addTo(got, e.Subresource+" "+v, e.Subject)
		}
	}
	for _, sub := range facts.Subresources {
		for _, verb := range gen.Verbs {
			want := a.Holders(sub, verb)
			c.holders += len(want)
			m, f := compare(want, got[sub+" "+verb])
			c.missed, c.false = c.missed+m, c.false+f
			report1(fmt.Sprintf("%s nodes/%s", verb, sub), m, f)
		}
	}
	c.findingErrs = checkFindings(&r, a)
	fmt.Fprintf(os.Stderr, "  checked %s in %v\n", path, time.Since(start).Round(time.Millisecond))
	return c, nil
}

// checkFindings compares the subjects of proxy and log findings with the
// answer's holders of get/create nodes/proxy and get nodes/log.
func checkFindings(r *report, a *gen.Answer) int {
	got := map[string]map[string]bool{}
	for _, f := range r.Findings {
		switch {
		case slices.Contains(proxyRules, f.RuleID):
			addTo(got, "proxy", f.Subject)
		case f.RuleID == logRule:
			addTo(got, "log", f.Subject)
		}
	}
	proxy := append(slices.Clone(a.Holders("proxy", "get")), a.Holders("proxy", "create")...)
	slices.Sort(proxy)
	proxy = slices.Compact(proxy)
	m1, f1 := compare(proxy, got["proxy"])
	report1("nodes/proxy findings", m1, f1)
	m2, f2 := compare(a.Holders("log", "get"), got["log"])
	report1("nodes/log findings", m2, f2)
	return m1 + f1 + m2 + f2
}

func addTo(m map[string]map[string]bool, key, id string) {
	if m[key] == nil {
		m[key] = map[string]bool{}
	}
	m[key][id] = true
}

// compare counts subjects only in want (missed) and only in got (false).
func compare(want []string, got map[string]bool) (missed, falsePos int) {
	seen := 0
	for _, id := range want {
		if got[id] {
			seen++
		} else {
			missed++
		}
	}
	return missed, len(got) - seen
}

func report1(what string, missed, falsePos int) {
	if missed > 0 || falsePos > 0 {
		fmt.Fprintf(os.Stderr, "  MISMATCH %s: %d missed, %d false\n", what, missed, falsePos)
	}
}
