// Package sariftest validates SARIF documents in tests: against the official
// SARIF 2.1.0 JSON schema (OASIS errata01, vendored as
// sarif-schema-2.1.0.json, the copy go-sarif v3.3.1 ships) and against the
// kubelet-audit contract (design.md "Output contracts"). CLI and integration
// tests call Validate on every SARIF document they produce.
package sariftest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaID is the $id of the vendored schema.
const SchemaID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

//go:embed sarif-schema-2.1.0.json
var schemaJSON []byte

var (
	compileOnce sync.Once
	compiled    *jsonschema.Schema
	compileErr  error
)

// schema compiles the vendored schema once (formats are asserted: it is a
// draft-04 schema).
func schema() (*jsonschema.Schema, error) {
	compileOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			compileErr = fmt.Errorf("parse sarif schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(SchemaID, doc); err != nil {
			compileErr = fmt.Errorf("add sarif schema: %w", err)
			return
		}
		compiled, compileErr = c.Compile(SchemaID)
		if compileErr != nil {
			compileErr = fmt.Errorf("compile sarif schema: %w", compileErr)
		}
	})
	return compiled, compileErr
}

// Validate checks data against the SARIF 2.1.0 schema (ValidateSchema) and
// the kubelet-audit contract (ValidateContract).
func Validate(data []byte) error {
	if err := ValidateSchema(data); err != nil {
		return err
	}
	return ValidateContract(data)
}

// ValidateSchema checks data against the official SARIF 2.1.0 JSON schema only.
func ValidateSchema(data []byte) error {
	sch, err := schema()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("parse sarif: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("sarif does not match the 2.1.0 schema: %w", err)
	}
	return nil
}

// doc is the part of a SARIF log the contract checks read.
type doc struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID         string         `json:"id"`
					Properties map[string]any `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex *int   `json:"ruleIndex"`
		} `json:"results"`
	} `json:"runs"`
}

// ValidateContract checks what GitHub code scanning needs beyond the
// schema: at least one run; a non-empty tool name and version; unique rule
// ids, each with a numeric properties.security-severity in [0, 10]; and every
// result's ruleId naming a rule entry at its ruleIndex.
func ValidateContract(data []byte) error {
	var d doc
	if err := json.Unmarshal(data, &d); err != nil {
		return fmt.Errorf("parse sarif: %w", err)
	}
	if len(d.Runs) == 0 {
		return errors.New("sarif has no runs")
	}
	var errs []error
	for i, run := range d.Runs {
		drv := run.Tool.Driver
		if drv.Name == "" || drv.Version == "" {
			errs = append(errs, fmt.Errorf("runs[%d]: empty tool.driver name %q or version %q", i, drv.Name, drv.Version))
		}
		index := map[string]int{}
		for j, rule := range drv.Rules {
			if _, dup := index[rule.ID]; dup {
				errs = append(errs, fmt.Errorf("runs[%d].rules[%d]: duplicate rule id %q", i, j, rule.ID))
			}
			index[rule.ID] = j
			if err := checkSecuritySeverity(rule.Properties); err != nil {
				errs = append(errs, fmt.Errorf("runs[%d] rule %q: %w", i, rule.ID, err))
			}
		}
		for j, res := range run.Results {
			at, ok := index[res.RuleID]
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("runs[%d].results[%d]: ruleId %q has no rule entry", i, j, res.RuleID))
			case res.RuleIndex == nil || *res.RuleIndex != at:
				errs = append(errs, fmt.Errorf("runs[%d].results[%d]: ruleIndex does not point at rule %q (index %d)", i, j, res.RuleID, at))
			}
		}
	}
	return errors.Join(errs...)
}

// checkSecuritySeverity requires the string score GitHub ranks alerts by.
func checkSecuritySeverity(props map[string]any) error {
	raw, ok := props["security-severity"].(string)
	if !ok {
		return errors.New("properties.security-severity missing or not a string")
	}
	score, err := strconv.ParseFloat(raw, 64)
	if err != nil || score < 0 || score > 10 {
		return fmt.Errorf("properties.security-severity %q is not a score in [0, 10]", raw)
	}
	return nil
}
