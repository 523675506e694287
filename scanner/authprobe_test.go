package scanner

import (
	"context"
	"slices"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubelet-audit/kubelet-audit/scanner/finding"
	"github.com/kubelet-audit/kubelet-audit/scanner/kubelet/kubelettest"
)

const scannerToken = "scanner-token"

// nodeFor is a Node object whose kubelet endpoint is the fake kubelet.
func nodeFor(name string, k *kubelettest.Server) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: corev1.NodeStatus{
			Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(k.Port())}},
		},
	}
}

// fakeCluster answers SelfSubjectReview as the scanner's ServiceAccount.
func fakeCluster(objs ...runtime.Object) *fake.Clientset {
	client := fake.NewClientset(objs...)
	client.PrependReactor("create", "selfsubjectreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, &authenticationv1.SelfSubjectReview{Status: authenticationv1.SelfSubjectReviewStatus{
			UserInfo: authenticationv1.UserInfo{Username: "system:serviceaccount:kubelet-audit:scanner",
				Groups: []string{"system:serviceaccounts", "system:serviceaccounts:kubelet-audit", "system:authenticated"}},
		}}, nil
	})
	return client
}

func clusterScan(t *testing.T, client *fake.Clientset, verify bool) *finding.Report {
	t.Helper()
	r, err := Scan(context.Background(), Options{Engine: builtinEngine(t), Cluster: &ClusterOptions{
		Client: client, Probe: true, AuthProbe: true, Token: scannerToken, Verify: verify,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAuthProbe: anonymous probes cannot see a kubelet with anonymous auth
// off but AlwaysAllow; the scanner's own low-privilege token can.
func TestAuthProbe(t *testing.T) {
	alwaysAllow := kubelettest.New(t, kubelettest.Config{Mode: "AlwaysAllow", Tokens: []string{scannerToken}, Pods: 2})
	webhook := kubelettest.New(t, kubelettest.Config{Mode: "Webhook", Tokens: []string{scannerToken}})
	scannerProxy := []runtime.Object{
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "proxy"}, Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes/proxy"}, Verbs: []string{"get"}}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "scanner-proxy"}, RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "proxy"},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "scanner", Namespace: "kubelet-audit"}}},
	}
	for _, tc := range []struct {
		name    string
		kubelet *kubelettest.Server
		extra   []runtime.Object
		want007 bool
	}{
		{"anonymous off + AlwaysAllow is detected", alwaysAllow, nil, true},
		{"anonymous off + Webhook is clean", webhook, nil, false},
		{"skipped when the scanner holds node access", alwaysAllow, scannerProxy, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := clusterScan(t, fakeCluster(append([]runtime.Object{nodeFor("n1", tc.kubelet)}, tc.extra...)...), false)
			if got := len(find(r, "KA-KUBELET-007", "")) > 0; got != tc.want007 {
				t.Errorf("KA-KUBELET-007 = %v, want %v (rules fired: %v, errors %v)", got, tc.want007, ruleIDs(r), r.Errors)
			}
			for _, f := range r.Findings {
				if f.Severity == finding.SeverityCritical && f.RuleID != "KA-KUBELET-007" && tc.kubelet == webhook {
					t.Errorf("locked-down kubelet reported critical %s", f.RuleID)
				}
			}
		})
	}
	// The credentials went only to /pods and /healthz; anonymous probes carried none.
	for _, req := range alwaysAllow.Requests() {
		if req.Authorization == "" {
			continue
		}
		if req.Path != "/pods" && req.Path != "/healthz" {
			t.Errorf("authenticated probe reached %s %s", req.Method, req.Path)
		}
	}
}

// TestVerifyDisagreement: when the API server allows what RBAC does not
// grant (e.g. an authorizer webhook), --verify reports it.
func TestVerifyDisagreement(t *testing.T) {
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "viewers"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"},
		Subjects: []rbacv1.Subject{{Kind: "Group", Name: "viewers", APIGroup: "rbac.authorization.k8s.io"}}}
	client := fakeCluster(crb)
	var asked []string
	client.PrependReactor("create", "subjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		sar := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SubjectAccessReview)
		asked = append(asked, strings.Join(sar.Spec.Groups, ",")+" "+sar.Spec.ResourceAttributes.Subresource)
		// An authorizer webhook lets the viewers group proxy to nodes.
		allowed := slices.Contains(sar.Spec.Groups, "viewers") && sar.Spec.ResourceAttributes.Subresource == "proxy"
		sar.Status = authorizationv1.SubjectAccessReviewStatus{Allowed: allowed}
		return true, sar, nil
	})
	r, err := Scan(context.Background(), Options{Engine: builtinEngine(t), Cluster: &ClusterOptions{Client: client, Verify: true}})
	if err != nil {
		t.Fatal(err)
	}
	got := find(r, "KA-CLUSTER-001", "Group:viewers")
	if len(got) != 1 || !strings.Contains(got[0].Message, "proxy") {
		t.Fatalf("want one KA-CLUSTER-001 for Group:viewers about nodes/proxy, got %+v (asked %v)", got, asked)
	}
	if n := len(find(r, "KA-CLUSTER-001", "")); n != 1 {
		t.Errorf("KA-CLUSTER-001 findings = %d, want only the disagreement", n)
	}
}
