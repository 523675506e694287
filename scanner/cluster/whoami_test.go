package cluster

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	authenticationv1beta1 "k8s.io/api/authentication/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestWhoAmI(t *testing.T) {
	saUser := authenticationv1.UserInfo{Username: "system:serviceaccount:kubelet-audit:scanner",
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:kubelet-audit", "system:authenticated"}}
	notServed := apierrors.NewNotFound(schema.GroupResource{Group: "authentication.k8s.io", Resource: "selfsubjectreviews"}, "")
	tests := []struct {
		name       string
		v1         func() (runtime.Object, error)
		v1beta1    func() (runtime.Object, error)
		wantUser   string
		wantGroups []string
		wantErr    string
	}{
		{name: "v1",
			v1: func() (runtime.Object, error) {
				return &authenticationv1.SelfSubjectReview{Status: authenticationv1.SelfSubjectReviewStatus{UserInfo: saUser}}, nil
			},
			wantUser: saUser.Username, wantGroups: saUser.Groups},
		{name: "v1beta1 fallback on older API servers",
			v1: func() (runtime.Object, error) { return nil, notServed },
			v1beta1: func() (runtime.Object, error) {
				return &authenticationv1beta1.SelfSubjectReview{Status: authenticationv1beta1.SelfSubjectReviewStatus{
					UserInfo: authenticationv1.UserInfo{Username: "alice", Groups: []string{"system:authenticated"}}}}, nil
			},
			wantUser: "alice", wantGroups: []string{"system:authenticated"}},
		{name: "v1 error is not retried",
			v1:      func() (runtime.Object, error) { return nil, apierrors.NewInternalError(errors.New("down")) },
			wantErr: "selfsubjectreview: Internal error occurred: down"},
		{name: "both missing",
			v1:      func() (runtime.Object, error) { return nil, notServed },
			v1beta1: func() (runtime.Object, error) { return nil, notServed },
			wantErr: "selfsubjectreview (v1 not served)"},
		{name: "no user name",
			v1: func() (runtime.Object, error) {
				return &authenticationv1.SelfSubjectReview{}, nil
			},
			wantErr: "returned no user name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := fake.NewClientset()
			cs.PrependReactor("create", "selfsubjectreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
				answer := tt.v1
				if a.GetResource().Version == "v1beta1" {
					answer = tt.v1beta1
				}
				if answer == nil {
					t.Fatalf("unexpected request to %s", a.GetResource())
				}
				obj, err := answer()
				return true, obj, err
			})
			user, groups, err := WhoAmI(context.Background(), cs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || user != tt.wantUser || !reflect.DeepEqual(groups, tt.wantGroups) {
				t.Errorf("got %q %v %v, want %q %v", user, groups, err, tt.wantUser, tt.wantGroups)
			}
		})
	}
}
