package cluster

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

func TestIdentity(t *testing.T) {
	tests := []struct {
		subject    facts.Subject
		wantUser   string
		wantGroups []string
		wantErr    bool
	}{
		{subject: facts.Subject{Kind: "ServiceAccount", Namespace: "mon", Name: "agent"},
			wantUser:   "system:serviceaccount:mon:agent",
			wantGroups: []string{"system:serviceaccounts", "system:serviceaccounts:mon", "system:authenticated"}},
		{subject: facts.Subject{Kind: "Group", Name: "devs"},
			wantUser: ProbeUser, wantGroups: []string{"devs", "system:authenticated"}},
		{subject: facts.Subject{Kind: "Group", Name: "system:authenticated"},
			wantUser: ProbeUser, wantGroups: []string{"system:authenticated"}},
		{subject: facts.Subject{Kind: "Group", Name: "system:unauthenticated"},
			wantUser: "system:anonymous", wantGroups: []string{"system:unauthenticated"}},
		{subject: facts.Subject{Kind: "User", Name: "alice"},
			wantUser: "alice", wantGroups: []string{"system:authenticated"}},
		{subject: facts.Subject{Kind: "User", Name: "system:anonymous"},
			wantUser: "system:anonymous", wantGroups: []string{"system:unauthenticated"}},
		{subject: facts.Subject{Kind: "ServiceAccount", Name: "no-namespace"}, wantErr: true},
		{subject: facts.Subject{Kind: "Robot", Name: "r2"}, wantErr: true},
	}
	for _, tt := range tests {
		user, groups, err := identity(tt.subject)
		if (err != nil) != tt.wantErr {
			t.Errorf("%+v: error %v, want error %v", tt.subject, err, tt.wantErr)
			continue
		}
		if user != tt.wantUser || !reflect.DeepEqual(groups, tt.wantGroups) {
			t.Errorf("%+v: %s %v, want %s %v", tt.subject, user, groups, tt.wantUser, tt.wantGroups)
		}
	}
}

// sarReactor answers SubjectAccessReviews from a table keyed by
// "user|subresource|verb"; a user "boom" gets a server error.
func sarReactor(t *testing.T, allowed map[string]bool, calls *atomic.Int32) k8stesting.ReactionFunc {
	return func(a k8stesting.Action) (bool, runtime.Object, error) {
		calls.Add(1)
		sar := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SubjectAccessReview)
		ra := sar.Spec.ResourceAttributes
		if ra == nil || ra.Group != "" || ra.Resource != "nodes" || ra.Name != "" || ra.Namespace != "" {
			t.Errorf("resource attributes %+v, want nodes/<sub> on every node", ra)
		}
		if sar.Spec.User == "boom" {
			return true, nil, apierrors.NewInternalError(errors.New("webhook timeout"))
		}
		out := sar.DeepCopy()
		key := sar.Spec.User + "|" + ra.Subresource + "|" + ra.Verb
		out.Status.Allowed = allowed[key]
		out.Status.Denied = !allowed[key]
		if sar.Spec.User == "undecided" {
			out.Status.Denied = false
			out.Status.EvaluationError = "webhook unreachable"
		}
		out.Status.Reason = fmt.Sprintf("decided %v", allowed[key])
		return true, out, nil
	}
}

func TestVerify(t *testing.T) {
	alice := facts.Subject{ID: "User:alice", Kind: "User", Name: "alice"}
	agent := facts.Subject{ID: "ServiceAccount:mon/agent", Kind: "ServiceAccount", Namespace: "mon", Name: "agent"}
	devs := facts.Subject{Kind: "Group", Name: "devs"} // no ID: built from kind/name
	checks := []Check{
		{Subject: alice, Subresource: "proxy", Verb: "get", Expected: false}, // webhook allows: disagreement
		{Subject: agent, Subresource: "stats", Verb: "get", Expected: true},  // agreement
		{Subject: agent, Subresource: "proxy", Verb: "get", Expected: true},  // denied: disagreement
		{Subject: devs, Subresource: "log", Verb: "get", Expected: false},    // agreement
		{Subject: facts.Subject{ID: "User:boom", Kind: "User", Name: "boom"}, Subresource: "proxy", Verb: "get", Expected: true},
		{Subject: facts.Subject{ID: "User:undecided", Kind: "User", Name: "undecided"}, Subresource: "proxy", Verb: "get"},
		{Subject: facts.Subject{ID: "Robot:r2", Kind: "Robot", Name: "r2"}, Subresource: "proxy", Verb: "get"},
	}
	allowed := map[string]bool{
		"alice|proxy|get": true,
		"system:serviceaccount:mon:agent|stats|get": true,
	}
	cs := fake.NewClientset()
	var calls atomic.Int32
	cs.PrependReactor("create", "subjectaccessreviews", sarReactor(t, allowed, &calls))
	got := Verify(context.Background(), cs, checks)
	want := []facts.Verification{
		{Subject: "User:alice", Subresource: "proxy", Verb: "get", Resolver: false, APIServer: true, Reason: "decided true"},
		{Subject: "ServiceAccount:mon/agent", Subresource: "stats", Verb: "get", Resolver: true, APIServer: true, Reason: "decided true"},
		{Subject: "ServiceAccount:mon/agent", Subresource: "proxy", Verb: "get", Resolver: true, APIServer: false, Reason: "decided false"},
		{Subject: "Group:devs", Subresource: "log", Verb: "get", Resolver: false, APIServer: false, Reason: "decided false"},
		{Subject: "User:boom", Subresource: "proxy", Verb: "get", Resolver: true,
			Error: "subjectaccessreview: Internal error occurred: webhook timeout"},
		{Subject: "User:undecided", Subresource: "proxy", Verb: "get", Reason: "decided false",
			Error: "subjectaccessreview evaluation error: webhook unreachable"},
		{Subject: "Robot:r2", Subresource: "proxy", Verb: "get",
			Error: `subject Robot:r2: cannot verify subject kind "Robot"`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("verifications:\n got %+v\nwant %+v", got, want)
	}
	if calls.Load() != 6 {
		t.Errorf("%d reviews sent, want 6 (none for the unsupported kind)", calls.Load())
	}
}

func TestVerifyForbiddenStopsEarly(t *testing.T) {
	var checks []Check
	for i := range 40 {
		checks = append(checks, Check{Subject: facts.Subject{Kind: "User", Name: fmt.Sprintf("u%d", i)}, Subresource: "proxy", Verb: "get"})
	}
	cs := fake.NewClientset()
	var calls atomic.Int32
	cs.PrependReactor("create", "subjectaccessreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		calls.Add(1)
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "authorization.k8s.io", Resource: "subjectaccessreviews"}, "", errors.New("no"))
	})
	got := Verify(context.Background(), cs, checks)
	for _, v := range got {
		if v.Error != "subjectaccessreview forbidden: needs create subjectaccessreviews.authorization.k8s.io (--verify)" || v.APIServer {
			t.Fatalf("verification %+v", v)
		}
	}
	// Each worker sends at most one review before the first answer stops the rest.
	if n := calls.Load(); n < 1 || n > verifyWorkers {
		t.Errorf("%d reviews sent, want 1..%d", n, verifyWorkers)
	}
}

func TestVerifyCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cs := fake.NewClientset()
	got := Verify(ctx, cs, []Check{{Subject: facts.Subject{Kind: "User", Name: "a"}, Subresource: "proxy", Verb: "get", Expected: true}})
	if len(got) != 1 || got[0].Error == "" || len(cs.Actions()) != 0 {
		t.Errorf("got %+v with %d requests", got, len(cs.Actions()))
	}
	if got := Verify(context.Background(), cs, nil); len(got) != 0 {
		t.Errorf("no checks: %+v", got)
	}
}

func TestSubjectID(t *testing.T) {
	ids := []string{
		subjectID(facts.Subject{Kind: "ServiceAccount", Namespace: "a", Name: "b"}),
		subjectID(facts.Subject{Kind: "Group", Name: "system:authenticated"}),
		subjectID(facts.Subject{ID: "User:x", Kind: "User", Name: "y"}),
	}
	if want := []string{"ServiceAccount:a/b", "Group:system:authenticated", "User:x"}; !slices.Equal(ids, want) {
		t.Errorf("%v, want %v", ids, want)
	}
}
