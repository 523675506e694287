package load

import (
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// nodeDecoder is the fast path of decode for the most numerous kinds.
type nodeDecoder struct {
	// cache holds recent strings: node values share the batch buffer
	// (fastParser) and must be copied, and verbs, groups, kinds and
	// namespaces repeat a lot. Each entry keeps its hash, so a miss (a
	// unique name) costs no read of the cached string's bytes.
	cache [internCache]internEntry
	// ascii is set while the nodes come from the fast parser, which
	// accepts only ASCII text: their strings need no UTF-8 check.
	ascii bool
	// Retained lists are carved from shared blocks.
	strs     carver[string]
	rules    carver[rbacv1.PolicyRule]
	subjects carver[rbacv1.Subject]
}

// internCache is the number of strings a nodeDecoder remembers.
const internCache = 4096

type internEntry struct {
	hash uint32
	s    string
}

// intern returns a copy of s that does not share memory with the nodes,
// reusing an earlier copy when it is in the cache.
func (d *nodeDecoder) intern(s string) string {
	if len(s) > 64 {
		return strings.Clone(s)
	}
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	c := &d.cache[h%internCache]
	if c.hash != h || c.s != s {
		c.hash, c.s = h, strings.Clone(s)
	}
	return c.s
}

// decode decodes RBAC objects, ServiceAccounts and simple workloads
// straight from their node into v, skipping the YAML → JSON → struct round
// trip that dominates their loading. It handles only what it can decode
// exactly like that round trip: known fields with string, bool, list or
// mapping values, distinct keys, no aliases, merge keys or nulls. v must be
// zero; it is decoded in place (no temporary copy of the object), and on
// anything else (other kinds, other fields such as managedFields or
// aggregationRule, type mismatches) decode returns false with v zero again,
// and the caller takes the JSON path, which owns every error message.
// TestFastDecodeMatchesJSON and FuzzFastDecode check that both paths give
// equal objects.
func (d *nodeDecoder) decode(n *yaml.Node, v any) bool {
	switch v := v.(type) {
	case *rbacv1.Role:
		return d.object(n, &v.TypeMeta, &v.ObjectMeta, func(k string, x *yaml.Node) bool {
			return k == "rules" && d.policyRules(x, &v.Rules)
		}) || zero(v)
	case *rbacv1.ClusterRole:
		return d.object(n, &v.TypeMeta, &v.ObjectMeta, func(k string, x *yaml.Node) bool {
			return k == "rules" && d.policyRules(x, &v.Rules)
		}) || zero(v)
	case *rbacv1.RoleBinding:
		return d.object(n, &v.TypeMeta, &v.ObjectMeta, func(k string, x *yaml.Node) bool {
			return d.bindingField(k, x, &v.Subjects, &v.RoleRef)
		}) || zero(v)
	case *rbacv1.ClusterRoleBinding:
		return d.object(n, &v.TypeMeta, &v.ObjectMeta, func(k string, x *yaml.Node) bool {
			return d.bindingField(k, x, &v.Subjects, &v.RoleRef)
		}) || zero(v)
	case *corev1.ServiceAccount:
		return d.object(n, &v.TypeMeta, &v.ObjectMeta, func(k string, x *yaml.Node) bool {
			if k != "automountServiceAccountToken" {
				return false
			}
			b, ok := boolValue(x)
			v.AutomountServiceAccountToken = &b
			return ok
		}) || zero(v)
	case *appsv1.Deployment:
		return d.workload(n, &v.TypeMeta, &v.ObjectMeta, &v.Spec.Selector, &v.Spec.Template) || zero(v)
	case *appsv1.DaemonSet:
		return d.workload(n, &v.TypeMeta, &v.ObjectMeta, &v.Spec.Selector, &v.Spec.Template) || zero(v)
	case *appsv1.StatefulSet:
		return d.workload(n, &v.TypeMeta, &v.ObjectMeta, &v.Spec.Selector, &v.Spec.Template) || zero(v)
	case *appsv1.ReplicaSet:
		return d.workload(n, &v.TypeMeta, &v.ObjectMeta, &v.Spec.Selector, &v.Spec.Template) || zero(v)
	case *batchv1.Job:
		return d.workload(n, &v.TypeMeta, &v.ObjectMeta, &v.Spec.Selector, &v.Spec.Template) || zero(v)
	case *corev1.Pod:
		return d.object(n, &v.TypeMeta, &v.ObjectMeta, func(k string, x *yaml.Node) bool {
			return k == "spec" && d.podSpec(x, &v.Spec)
		}) || zero(v)
	}
	return false
}

// zero resets a partly decoded value and returns false.
func zero[T any](v *T) bool {
	var z T
	*v = z
	return false
}

// workload decodes an object whose spec holds only a selector of
// matchLabels and a pod template.
func (d *nodeDecoder) workload(n *yaml.Node, tm *metav1.TypeMeta, om *metav1.ObjectMeta, sel **metav1.LabelSelector, tpl *corev1.PodTemplateSpec) bool {
	return d.object(n, tm, om, func(k string, x *yaml.Node) bool {
		return k == "spec" && d.fields(x, func(k string, x *yaml.Node) bool {
			switch k {
			case "selector":
				*sel = new(metav1.LabelSelector)
				return d.fields(x, func(k string, x *yaml.Node) bool {
					return k == "matchLabels" && d.stringMap(x, &(*sel).MatchLabels)
				})
			case "template":
				return d.fields(x, func(k string, x *yaml.Node) bool {
					switch k {
					case "metadata":
						return d.objectMeta(x, &tpl.ObjectMeta)
					case "spec":
						return d.podSpec(x, &tpl.Spec)
					}
					return false
				})
			}
			return false
		})
	})
}

// podSpec decodes the service account fields and containers of only a name
// and an image.
func (d *nodeDecoder) podSpec(n *yaml.Node, s *corev1.PodSpec) bool {
	return d.fields(n, func(k string, v *yaml.Node) bool {
		switch k {
		case "serviceAccountName":
			return d.str(v, &s.ServiceAccountName)
		case "serviceAccount":
			return d.str(v, &s.DeprecatedServiceAccount)
		case "automountServiceAccountToken":
			b, ok := boolValue(v)
			s.AutomountServiceAccountToken = &b
			return ok
		case "containers":
			return list(v, &s.Containers, nil, func(n *yaml.Node, c *corev1.Container) bool {
				return d.fields(n, func(k string, v *yaml.Node) bool {
					switch k {
					case "name":
						return d.str(v, &c.Name)
					case "image":
						return d.str(v, &c.Image)
					}
					return false
				})
			})
		}
		return false
	})
}

// fields calls f for each entry of the mapping n, whose keys must be
// distinct plain strings (a duplicate would make the JSON decoder merge).
func (d *nodeDecoder) fields(n *yaml.Node, f func(k string, v *yaml.Node) bool) bool {
	if n.Kind != yaml.MappingNode || len(n.Content) > 64 {
		return false
	}
	c := n.Content
	for i := 0; i+1 < len(c); i += 2 {
		k := c[i]
		if !d.isString(k) || k.Value == "<<" {
			return false
		}
		for j := 0; j < i; j += 2 {
			if c[j].Value == k.Value {
				return false
			}
		}
		if !f(k.Value, c[i+1]) {
			return false
		}
	}
	return true
}

// object decodes the top level of an object: apiVersion, kind, metadata,
// and the type's own fields through own.
func (d *nodeDecoder) object(n *yaml.Node, tm *metav1.TypeMeta, om *metav1.ObjectMeta, own func(k string, v *yaml.Node) bool) bool {
	return d.fields(n, func(k string, v *yaml.Node) bool {
		switch k {
		case "apiVersion":
			return d.str(v, &tm.APIVersion)
		case "kind":
			return d.str(v, &tm.Kind)
		case "metadata":
			return d.objectMeta(v, om)
		}
		return own(k, v)
	})
}

func (d *nodeDecoder) objectMeta(n *yaml.Node, m *metav1.ObjectMeta) bool {
	return d.fields(n, func(k string, v *yaml.Node) bool {
		switch k {
		case "name":
			return d.str(v, &m.Name)
		case "generateName":
			return d.str(v, &m.GenerateName)
		case "namespace":
			return d.str(v, &m.Namespace)
		case "uid":
			var s string
			ok := d.str(v, &s)
			m.UID = types.UID(s)
			return ok
		case "resourceVersion":
			return d.str(v, &m.ResourceVersion)
		case "labels":
			return d.stringMap(v, &m.Labels)
		case "annotations":
			return d.stringMap(v, &m.Annotations)
		}
		return false
	})
}

func (d *nodeDecoder) policyRules(n *yaml.Node, out *[]rbacv1.PolicyRule) bool {
	return list(n, out, &d.rules, func(n *yaml.Node, r *rbacv1.PolicyRule) bool {
		return d.fields(n, func(k string, v *yaml.Node) bool {
			switch k {
			case "verbs":
				return d.stringList(v, &r.Verbs)
			case "apiGroups":
				return d.stringList(v, &r.APIGroups)
			case "resources":
				return d.stringList(v, &r.Resources)
			case "resourceNames":
				return d.stringList(v, &r.ResourceNames)
			case "nonResourceURLs":
				return d.stringList(v, &r.NonResourceURLs)
			}
			return false
		})
	})
}

func (d *nodeDecoder) bindingField(k string, v *yaml.Node, subjects *[]rbacv1.Subject, ref *rbacv1.RoleRef) bool {
	switch k {
	case "subjects":
		return list(v, subjects, &d.subjects, func(n *yaml.Node, s *rbacv1.Subject) bool {
			return d.fields(n, func(k string, v *yaml.Node) bool {
				switch k {
				case "kind":
					return d.str(v, &s.Kind)
				case "apiGroup":
					return d.str(v, &s.APIGroup)
				case "name":
					return d.str(v, &s.Name)
				case "namespace":
					return d.str(v, &s.Namespace)
				}
				return false
			})
		})
	case "roleRef":
		return d.fields(v, func(k string, v *yaml.Node) bool {
			switch k {
			case "apiGroup":
				return d.str(v, &ref.APIGroup)
			case "kind":
				return d.str(v, &ref.Kind)
			case "name":
				return d.str(v, &ref.Name)
			}
			return false
		})
	}
	return false
}

// list decodes a sequence into a slice cut by c (nil: allocated); like the
// JSON decoder it makes an empty, non-nil slice for [].
func list[T any](n *yaml.Node, out *[]T, c *carver[T], item func(*yaml.Node, *T) bool) bool {
	if n.Kind != yaml.SequenceNode {
		return false
	}
	var s []T
	if c != nil {
		s = c.take(len(n.Content))
	} else {
		s = make([]T, len(n.Content))
	}
	for i, c := range n.Content {
		if !item(c, &s[i]) {
			return false
		}
	}
	*out = s
	return true
}

func (d *nodeDecoder) stringList(n *yaml.Node, out *[]string) bool {
	return list(n, out, &d.strs, d.str)
}

// stringMap decodes a mapping of strings; a repeated key keeps its last
// value, as in the JSON decoder.
func (d *nodeDecoder) stringMap(n *yaml.Node, out *map[string]string) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	m := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "<<" || !d.valid(k.Value) || !d.isString(v) {
			return false
		}
		m[d.intern(k.Value)] = d.intern(v.Value)
	}
	*out = m
	return true
}

// isString reports a scalar the JSON path turns into this very string.
func (d *nodeDecoder) isString(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == strTag && d.valid(n.Value)
}

// valid reports valid UTF-8, which the fast parser's nodes always are.
func (d *nodeDecoder) valid(s string) bool {
	return d.ascii || utf8.ValidString(s)
}

func (d *nodeDecoder) str(n *yaml.Node, out *string) bool {
	if !d.isString(n) {
		return false
	}
	*out = d.intern(n.Value)
	return true
}

// boolValue accepts the plain booleans yaml.v3 resolves (true, True, TRUE,
// false, ...); tagged or other spellings take the JSON path.
func boolValue(n *yaml.Node) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Style != 0 {
		return false, false
	}
	switch n.Value {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}
