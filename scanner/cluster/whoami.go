package cluster

import (
	"context"
	"errors"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	authenticationv1beta1 "k8s.io/api/authentication/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// WhoAmI returns the scanner's own user and groups as the API server sees
// them (SelfSubjectReview, authentication.k8s.io/v1; v1beta1 on API servers
// older than 1.28). Every authenticated user may ask (system:basic-user).
func WhoAmI(ctx context.Context, client kubernetes.Interface) (user string, groups []string, err error) {
	r, err := client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err == nil {
		return userOf(r.Status.UserInfo)
	}
	if !apierrors.IsNotFound(err) {
		return "", nil, fmt.Errorf("selfsubjectreview: %w", err)
	}
	rb, errb := client.AuthenticationV1beta1().SelfSubjectReviews().Create(ctx, &authenticationv1beta1.SelfSubjectReview{}, metav1.CreateOptions{})
	if errb != nil {
		return "", nil, fmt.Errorf("selfsubjectreview (v1 not served): %w", errb)
	}
	return userOf(rb.Status.UserInfo)
}

func userOf(u authenticationv1.UserInfo) (string, []string, error) {
	if u.Username == "" {
		return "", nil, errors.New("selfsubjectreview: the API server returned no user name")
	}
	return u.Username, u.Groups, nil
}
