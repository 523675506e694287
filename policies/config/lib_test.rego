package kubelet_audit.config.lib_test

import data.kubelet_audit.config.fixtures_test as fx
import data.kubelet_audit.config.lib

test_configs_from_files_and_probes if {
	cs := lib.configs with input as {
		"kubeletConfigs": [fx.config({"name": "a.yaml"})],
		"kubelets": [{"target": "x", "config": fx.live({})}, {"target": "y"}],
	}
	{c.name | some c in cs} == {"a.yaml", "n1"}
}

test_no_config_when_probe_read_none if {
	cs := lib.configs with input as fx.without_config
	count(cs) == 0
}

test_location_uses_field_line if {
	lib.location(fx.hardened, "readOnlyPort") == {"file": "testdata/kubelet/hardened.yaml", "line": 14, "uri": ""}
}

test_location_falls_back_to_document if {
	lib.location(fx.hardened, "podPidsLimit") == {"file": "testdata/kubelet/hardened.yaml", "line": 1, "uri": ""}
}

test_location_of_configz_is_uri if {
	lib.location(fx.live({}), "readOnlyPort") == {"file": "", "line": 0, "uri": "k8s://node/n1/configz"}
}

test_describe_defaulted_file_field if {
	c := fx.config({"set": []})
	lib.describe(c, "enableDebuggingHandlers", "true") == "enableDebuggingHandlers is not set; the kubelet's file default is true"
}

test_describe_written_field if {
	lib.describe(fx.hardened, "readOnlyPort", "0") == "readOnlyPort is 0"
}

test_describe_configz_is_never_defaulted if {
	c := fx.live({"set": []})
	lib.describe(c, "enableDebuggingHandlers", "true") == "enableDebuggingHandlers is true"
}

test_name_fallbacks if {
	lib.name({"name": "", "node": "n2", "location": {}}) == "n2"
	lib.name({"location": {"uri": "k8s://node/n3/configz"}}) == "k8s://node/n3/configz"
}

test_source_texts if {
	lib.source(fx.hardened) == "hardened.yaml"
	lib.source(fx.live({})) == "/configz of node n1"
	lib.source(fx.config({"kubeadm": true})) == "kubeadm-managed hardened.yaml"
	lib.source(fx.config({"origin": "configz"})) == "/configz hardened.yaml"
}

test_finding_shape if {
	f := lib.finding(fx.hardened, "readOnlyPort", "10255", "fix it")
	f.resource == {"kind": "KubeletConfiguration", "namespace": "", "name": "hardened.yaml"}
	f.key == "readOnlyPort"
	f.evidence == {"field": "readOnlyPort", "value": "10255", "origin": "file", "defaulted": "false"}
	f.msg == "readOnlyPort is 10255 (hardened.yaml): fix it"
}
