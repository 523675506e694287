package cluster

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubelet-audit/kubelet-audit/scanner/facts"
)

// ProbeUser is the made-up user a Group subject is checked as: any member
// of the group has at least the group's permissions.
const ProbeUser = "kubelet-audit:probe"

// verifyWorkers bounds concurrent SubjectAccessReviews.
const verifyWorkers = 8

// Well-known identities (k8s.io/apiserver/pkg/authentication/user).
const (
	anonymousUser        = "system:anonymous"
	unauthenticatedGroup = "system:unauthenticated"
	authenticatedGroup   = "system:authenticated"
	allSAsGroup          = "system:serviceaccounts"
)

// Check is one question for the API server: may Subject <Verb> nodes/<Subresource>
// (on every node)? Expected is what the RBAC resolver answered.
type Check struct {
	Subject     facts.Subject
	Subresource string
	Verb        string
	Expected    bool
}

// Verify asks the API server (SubjectAccessReview, authorization.k8s.io/v1)
// each check, with bounded concurrency, and returns one Verification per
// check in order. A failed review sets Error and never counts as agreement.
// After the first "forbidden" answer the remaining checks are not sent: the
// scanner lacks create subjectaccessreviews and every answer would be the same.
func Verify(ctx context.Context, client kubernetes.Interface, checks []Check) []facts.Verification {
	out := make([]facts.Verification, len(checks))
	var forbidden atomic.Pointer[string] // the first forbidden error
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(verifyWorkers, len(checks)) {
		wg.Go(func() {
			for i := range jobs {
				out[i] = verifyOne(ctx, client, checks[i], &forbidden)
			}
		})
	}
	for i := range checks {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return out
}

func verifyOne(ctx context.Context, client kubernetes.Interface, c Check, forbidden *atomic.Pointer[string]) facts.Verification {
	v := facts.Verification{Subject: subjectID(c.Subject), Subresource: c.Subresource, Verb: c.Verb, Resolver: c.Expected}
	if msg := forbidden.Load(); msg != nil {
		v.Error = *msg
		return v
	}
	if err := ctx.Err(); err != nil {
		v.Error = "subjectaccessreview: " + err.Error()
		return v
	}
	spec, err := reviewSpec(c)
	if err != nil {
		v.Error = err.Error()
		return v
	}
	sar, err := client.AuthorizationV1().SubjectAccessReviews().Create(ctx,
		&authorizationv1.SubjectAccessReview{Spec: spec}, metav1.CreateOptions{})
	switch {
	case apierrors.IsForbidden(err):
		msg := "subjectaccessreview forbidden: needs " + permission("subjectaccessreviews", "create").Needs() + " (--verify)"
		forbidden.CompareAndSwap(nil, &msg)
		v.Error = msg
	case err != nil:
		v.Error = "subjectaccessreview: " + err.Error()
	default:
		v.APIServer = sar.Status.Allowed
		v.Reason = sar.Status.Reason
		// No decision at all (neither allowed nor denied) with an error is
		// "could not check", not a denial.
		if !sar.Status.Allowed && !sar.Status.Denied && sar.Status.EvaluationError != "" {
			v.Error = "subjectaccessreview evaluation error: " + sar.Status.EvaluationError
		}
	}
	return v
}

// reviewSpec builds the SubjectAccessReview for c: the identity a request
// by the subject would carry, on nodes/<subresource> of every node.
func reviewSpec(c Check) (authorizationv1.SubjectAccessReviewSpec, error) {
	user, groups, err := identity(c.Subject)
	if err != nil {
		return authorizationv1.SubjectAccessReviewSpec{}, err
	}
	return authorizationv1.SubjectAccessReviewSpec{
		User:   user,
		Groups: groups,
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Group: "", Resource: "nodes", Subresource: c.Subresource, Verb: c.Verb, Name: "",
		},
	}, nil
}

// identity maps an RBAC subject to the user and groups the authenticator
// would give a request from it.
func identity(s facts.Subject) (string, []string, error) {
	switch s.Kind {
	case "ServiceAccount":
		if s.Namespace == "" || s.Name == "" {
			return "", nil, fmt.Errorf("subject %s: a ServiceAccount needs a namespace and a name", subjectID(s))
		}
		return "system:serviceaccount:" + s.Namespace + ":" + s.Name,
			[]string{allSAsGroup, allSAsGroup + ":" + s.Namespace, authenticatedGroup}, nil
	case "Group":
		switch s.Name {
		case unauthenticatedGroup:
			return anonymousUser, []string{unauthenticatedGroup}, nil
		case authenticatedGroup:
			return ProbeUser, []string{authenticatedGroup}, nil
		}
		return ProbeUser, []string{s.Name, authenticatedGroup}, nil
	case "User":
		if s.Name == anonymousUser {
			return anonymousUser, []string{unauthenticatedGroup}, nil
		}
		return s.Name, []string{authenticatedGroup}, nil
	}
	return "", nil, fmt.Errorf("subject %s: cannot verify subject kind %q", subjectID(s), s.Kind)
}

// subjectID is s.ID, or the facts ID form built from kind/namespace/name.
func subjectID(s facts.Subject) string {
	if s.ID != "" {
		return s.ID
	}
	if s.Kind == "ServiceAccount" {
		return s.Kind + ":" + s.Namespace + "/" + s.Name
	}
	return strings.TrimSuffix(s.Kind+":"+s.Name, ":")
}
