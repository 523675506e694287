package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/test/e2e/testbed"
)

// cliResult is one run of the CLI binary.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs the kubelet-audit binary with args and returns its output and
// exit code. It fails the test only when the binary could not run.
func runCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cliPath, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exitErr *exec.ExitError
	res := cliResult{stdout: out.String(), stderr: errb.String()}
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
	default:
		t.Fatalf("run %v: %v", args, err)
	}
	return res
}

// scanJSON runs the CLI with --format json, checks the exit code and
// decodes the report.
func scanJSON(t *testing.T, wantCode int, args ...string) finding.Report {
	t.Helper()
	res := runCLI(t, append(args, "--format", "json", "--no-color")...)
	if res.code != wantCode {
		t.Fatalf("kubelet-audit %s: exit %d, want %d\nstderr:\n%s", strings.Join(args, " "), res.code, wantCode, res.stderr)
	}
	var r finding.Report
	if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
		t.Fatalf("decode report of %v: %v\n%s", args, err, res.stdout)
	}
	return r
}

// findingKeys renders findings as "RULE subject|resource" keys, sorted.
func findingKeys(fs []finding.Finding, keep func(finding.Finding) bool) []string {
	var out []string
	for _, f := range fs {
		if keep != nil && !keep(f) {
			continue
		}
		out = append(out, f.RuleID+" "+f.Severity.String()+" "+f.Subject+"|"+f.Resource.String())
	}
	sort.Strings(out)
	return out
}

// accessKeys renders access edges without locations, sorted.
func accessKeys(as []finding.Access) []string {
	var out []string
	for _, a := range as {
		out = append(out, strings.Join([]string{a.Subject, a.Subresource, strings.Join(a.Verbs, ","),
			strings.Join(a.Nodes, ","), a.Binding, a.Role, strings.Join(a.Workloads, ",")}, " "))
	}
	sort.Strings(out)
	return out
}

// kubeletAnswer is one raw answer of a kubelet.
type kubeletAnswer struct {
	status int
	body   string
}

// callKubelet sends one request to a kubelet at addr with an optional
// bearer token. Serving certificates are not verified: the raw answers are
// what these calls check, and addr is always a loopback test bed server.
func callKubelet(t *testing.T, addr, method, path, token string) kubeletAnswer {
	t.Helper()
	return callURL(t, "https://"+addr+path, method, testbed.Identity{Token: token})
}

// callURL sends one request as id (token and/or client certificate; an
// empty identity is anonymous).
func callURL(t *testing.T, url, method string, id testbed.Identity) kubeletAnswer {
	t.Helper()
	tlsCfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // loopback test bed
	if id.CertPEM != nil {
		cert, err := tls.X509KeyPair(id.CertPEM, id.KeyPEM)
		if err != nil {
			t.Fatalf("client cert %s: %v", id.Name, err)
		}
		tlsCfg.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{TLSClientConfig: tlsCfg}
	defer tr.CloseIdleConnections()
	token := id.Token
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatalf("request %s %s: %v", method, url, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return kubeletAnswer{status: resp.StatusCode, body: string(body)}
}

// sameStrings reports a readable diff of two sorted string lists.
func sameStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := map[string]bool{}, map[string]bool{}
	for _, s := range got {
		g[s] = true
	}
	for _, s := range want {
		w[s] = true
	}
	var missing, extra []string
	for _, s := range want {
		if !g[s] {
			missing = append(missing, s)
		}
	}
	for _, s := range got {
		if !w[s] {
			extra = append(extra, s)
		}
	}
	if len(missing)+len(extra) > 0 || len(got) != len(want) {
		t.Errorf("%s differ:\n missing: %q\n extra:   %q\n got:     %q", what, missing, extra, got)
	}
}
