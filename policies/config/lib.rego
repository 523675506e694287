# Helpers shared by the KubeletConfiguration rules (KA-CONFIG-*). This is a
# library: it defines no `findings`, so it carries no METADATA block.
package kubelet_audit.config.lib

# configs holds every audited KubeletConfiguration: files and saved or live
# /configz bodies (input.kubeletConfigs) and the /configz each kubelet
# answered while it was probed (input.kubelets[_].config).
configs contains c if {
	some c in input.kubeletConfigs
}

configs contains c if {
	some k in input.kubelets
	c := k.config
	is_object(c)
}

# name is what findings call the config: its name, else the node, else the URI.
name(c) := c.name if {
	c.name != ""
} else := c.node if {
	c.node != ""
} else := object.get(c, ["location", "uri"], "")

# written is true when the source wrote the field (a JSON path).
written(c, path) if {
	some p in object.get(c, "set", [])
	p == path
}

# defaulted is true when a file left the field out, so the kubelet's file
# default applies. /configz and flag values are always effective values.
defaulted(c, path) if {
	c.origin == "file"
	not written(c, path)
}

# line is the field's line when known, else the document's.
line(c, path) := n if {
	n := object.get(c, ["fieldLines", path], 0)
	n > 0
} else := object.get(c, ["location", "line"], 0)

location(c, path) := {
	"file": object.get(c, ["location", "file"], ""),
	"line": line(c, path),
	"uri": object.get(c, ["location", "uri"], ""),
}

resource(c) := {"kind": "KubeletConfiguration", "namespace": "", "name": name(c)}

# source says where the value was read.
source(c) := sprintf("/configz of node %s", [c.node]) if {
	c.origin == "configz"
	object.get(c, "node", "") != ""
} else := sprintf("/configz %s", [name(c)]) if {
	c.origin == "configz"
} else := sprintf("kubelet flags of %s", [name(c)]) if {
	c.origin == "flags"
} else := sprintf("kubeadm-managed %s", [name(c)]) if {
	object.get(c, "kubeadm", false)
} else := name(c)

# describe states the value and, for a field the file left out, that the
# kubelet's file default applies.
describe(c, path, value) := sprintf("%s is not set; the kubelet's file default is %s", [path, value]) if {
	defaulted(c, path)
} else := sprintf("%s is %s", [path, value])

# finding builds the result object every config rule returns. value is the
# offending value as text; tail says the impact and the fix.
finding(c, path, value, tail) := {
	"msg": sprintf("%s (%s): %s", [describe(c, path, value), source(c), tail]),
	"resource": resource(c),
	"location": location(c, path),
	"evidence": {
		"field": path,
		"value": value,
		"origin": c.origin,
		"defaulted": sprintf("%v", [defaulted_bool(c, path)]),
	},
	"key": path,
}

defaulted_bool(c, path) := true if {
	defaulted(c, path)
} else := false

# seconds renders a duration in seconds as "Ns".
seconds(n) := sprintf("%ds", [n])
