package browsertest

import (
	_ "embed"
	"encoding/json"
	"strings"
)

// axeSource is axe-core 4.14.1 (npm axe-core, MPL-2.0: testdata/axe-core-LICENSE.txt),
// injected through the DevTools protocol, so the page's CSP does not have to
// allow it and the server never serves it.
//
//go:embed testdata/axe.min.js
var axeSource string

// Violation is one axe rule a page breaks.
type Violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// Axe runs axe-core on the current page, limited to the elements matching the
// include selectors (none: the whole document), and fails the test on any serious or
// critical violation, printing every violation found.
func (p *Page) Axe(include ...string) []Violation {
	p.t.Helper()
	vs := p.axeRun(include...)
	var bad []string
	for _, v := range vs {
		line := v.Impact + " " + v.ID + ": " + v.Help + " at " + strings.Join(v.Targets, ", ")
		p.t.Logf("axe: %s", line)
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, line)
		}
	}
	if len(bad) > 0 {
		p.t.Errorf("axe: %d serious or critical violations:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	return vs
}

// axeRun answers every violation axe finds, failing only when axe cannot run.
func (p *Page) axeRun(include ...string) []Violation {
	p.t.Helper()
	Eval[bool](p, axeSource+";true")
	context := "document"
	if len(include) > 0 {
		b, _ := json.Marshal(include)
		context = "{include: " + string(b) + "}"
	}
	raw := Eval[string](p, `axe.run(`+context+`, {resultTypes: ["violations"]}).then(r => JSON.stringify(
		r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			targets: v.nodes.map(n => n.target.join(" "))}))))`)
	var vs []Violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		p.t.Fatalf("axe result: %v", err)
	}
	return vs
}
