package deploy_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/flowbot/flowbot/bot/config"
)

// moduleRoot is where the Dockerfile's build context starts and go build runs.
const moduleRoot = ".."

// envVars are the variables README.md's "Run it for real" section names;
// readmeEnvVars adds any the README gains later.
var envVars = slices.Concat([]string{
	"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_API_URL",
	"JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PAT",
	"GITHUB_API_URL", "GITHUB_TOKEN", "REDIS_URL",
	"GITHUB_APP_ID", "GITHUB_APP_INSTALLATION_ID", "GITHUB_APP_PRIVATE_KEY",
	"FLOWBOT_HTTP_ADDR",
}, fileVars())

// fileVars are the NAME_FILE variants of every secret variable.
func fileVars() []string {
	var vs []string
	for _, v := range config.SecretVariables() {
		vs = append(vs, v+"_FILE")
	}
	return vs
}

// secretVars hold credentials: no deploy file may carry a value for them.
var secretVars = []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "JIRA_API_TOKEN", "JIRA_PAT", "GITHUB_TOKEN", "GITHUB_APP_PRIVATE_KEY"}

// --- Dockerfile ---

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line  int // where it starts
	cmd   string
	args  string
	stage int // index of the FROM it belongs to
}

func parseDockerfile(t *testing.T, data []byte) []instruction {
	t.Helper()
	var (
		out     []instruction
		pending strings.Builder
		start   int
		stage   = -1
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue // comments may sit inside a continued instruction too
		}
		if pending.Len() == 0 {
			start = n
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending.WriteString(cont + " ")
			continue
		}
		pending.WriteString(line)
		cmd, args, _ := strings.Cut(pending.String(), " ")
		pending.Reset()
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, instruction{line: start, cmd: cmd, args: strings.TrimSpace(args), stage: stage})
	}
	if pending.Len() > 0 {
		t.Fatalf("Dockerfile ends inside a continued instruction starting on line %d", start)
	}
	if stage < 0 {
		t.Fatal("Dockerfile has no FROM")
	}
	return out
}

// execForm reads an instruction's JSON (exec) form, ["a", "b"].
func execForm(t *testing.T, in instruction) []string {
	t.Helper()
	var words []string
	if err := json.Unmarshal([]byte(in.args), &words); err != nil {
		t.Fatalf("Dockerfile line %d: %s %s is not in exec form [\"...\"]: %v", in.line, in.cmd, in.args, err)
	}
	return words
}

// shellWords splits a shell command line into words, honouring single and
// double quotes and backslash escapes: enough for a RUN line.
func shellWords(s string) ([]string, error) {
	var (
		words  []string
		cur    strings.Builder
		inWord bool
		quote  rune
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch {
			case r == '"':
				quote = 0
			case r == '\\' && i+1 < len(rs) && strings.ContainsRune(`"\$`+"`", rs[i+1]):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '\\' && i+1 < len(rs):
			i++
			cur.WriteRune(rs[i])
			inWord = true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func TestShellWords(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"plain", "go build ./cmd/flowbot", []string{"go", "build", "./cmd/flowbot"}},
		{"double quotes inside a word", `go build -ldflags="-s -w" -o /x`, []string{"go", "build", "-ldflags=-s -w", "-o", "/x"}},
		{"single quotes", `echo 'a "b"  c'`, []string{"echo", `a "b"  c`}},
		{"escapes", `a\ b "c\"d" e\\`, []string{"a b", `c"d`, `e\`}},
		{"empty quotes are a word", `x "" y`, []string{"x", "", "y"}},
		{"runs of blanks", "  a \t b  ", []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := shellWords(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("shellWords(%q) (-got +want):\n%s", tt.in, diff)
			}
		})
	}
	if _, err := shellWords(`a "b`); err == nil {
		t.Error(`shellWords("a \"b") succeeded, want an unterminated quote error`)
	}
}

// image is what the tests need from the Dockerfile.
type image struct {
	buildEnv   []string // NAME=VALUE before go on the go build line
	buildArgs  []string // the words after "go"
	output     string   // the -o path
	entrypoint []string
	cmd        []string
	user       string
	expose     []string
	copied     []string // COPY --from sources in the final stage
}

func readImage(t *testing.T) image {
	t.Helper()
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	ins := parseDockerfile(t, data)
	last := ins[len(ins)-1].stage
	var img image
	builds := 0
	for _, in := range ins {
		final := in.stage == last
		switch {
		case in.cmd == "RUN" && strings.Contains(in.args, "go build"):
			builds++
			img.buildEnv, img.buildArgs = goBuild(t, in)
		case !final:
		case in.cmd == "USER":
			img.user = in.args
		case in.cmd == "EXPOSE":
			img.expose = append(img.expose, strings.Fields(in.args)...)
		case in.cmd == "ENTRYPOINT":
			img.entrypoint = execForm(t, in)
		case in.cmd == "CMD":
			img.cmd = execForm(t, in)
		case in.cmd == "COPY" && strings.HasPrefix(in.args, "--from="):
			f := strings.Fields(in.args)
			img.copied = append(img.copied, f[1:len(f)-1]...)
		}
	}
	if builds != 1 {
		t.Fatalf("Dockerfile has %d RUN lines with go build, want 1", builds)
	}
	for i, a := range img.buildArgs {
		if a == "-o" && i+1 < len(img.buildArgs) {
			img.output = img.buildArgs[i+1]
		}
	}
	return img
}

// goBuild takes the go build command out of a RUN line: the environment
// assignments just before "go", and go's arguments up to the end of that
// command.
func goBuild(t *testing.T, in instruction) (env, args []string) {
	t.Helper()
	words, err := shellWords(in.args)
	if err != nil {
		t.Fatalf("Dockerfile line %d: %v", in.line, err)
	}
	at := -1
	for i := 0; i+1 < len(words); i++ {
		if words[i] == "go" && words[i+1] == "build" {
			at = i
		}
	}
	if at < 0 {
		t.Fatalf("Dockerfile line %d: no go build command in %q", in.line, in.args)
	}
	assign := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	first := at
	for first > 0 && assign.MatchString(words[first-1]) {
		first--
	}
	env = words[first:at]
	for _, w := range words[at+1:] {
		if w == "&&" || w == ";" || w == "||" || w == "|" {
			break
		}
		args = append(args, w)
	}
	return env, args
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	ins := parseDockerfile(t, data)
	img := readImage(t)

	t.Run("multi-stage with a small final base", func(t *testing.T) {
		var froms []string
		for _, in := range ins {
			if in.cmd == "FROM" {
				froms = append(froms, strings.Fields(in.args)[0])
			}
		}
		if len(froms) < 2 {
			t.Fatalf("FROM %v: want a builder stage and a final stage", froms)
		}
		if !strings.HasPrefix(froms[0], "golang:") {
			t.Errorf("first stage FROM %s, want a golang: builder", froms[0])
		}
		if final := froms[len(froms)-1]; !strings.HasPrefix(final, "gcr.io/distroless/static") {
			t.Errorf("final stage FROM %s, want gcr.io/distroless/static (no libc, no shell)", final)
		}
	})
	t.Run("runs as a non-root user", func(t *testing.T) {
		name, _, _ := strings.Cut(img.user, ":")
		if name == "" || name == "root" || name == "0" {
			t.Errorf("final stage USER %q, want a non-root user", img.user)
		}
	})
	t.Run("static, trimmed build", func(t *testing.T) {
		if !slices.Contains(img.buildEnv, "CGO_ENABLED=0") {
			t.Errorf("go build environment %q lacks CGO_ENABLED=0", img.buildEnv)
		}
		if !slices.Contains(img.buildArgs, "-trimpath") {
			t.Errorf("go build %q lacks -trimpath", img.buildArgs)
		}
		if got := img.buildArgs[len(img.buildArgs)-1]; got != "./cmd/flowbot" {
			t.Errorf("go build builds %s, want ./cmd/flowbot", got)
		}
	})
	t.Run("entrypoint is the built binary", func(t *testing.T) {
		if img.output == "" {
			t.Fatalf("go build %q has no -o", img.buildArgs)
		}
		if diff := cmp.Diff(img.entrypoint, []string{img.output}); diff != "" {
			t.Errorf("ENTRYPOINT (-got +want):\n%s", diff)
		}
		if !slices.Contains(img.copied, img.output) {
			t.Errorf("final stage copies %q from the builder, not %s", img.copied, img.output)
		}
	})
	t.Run("serves with the mounted config", func(t *testing.T) {
		if diff := cmp.Diff(img.cmd, []string{"serve", "--config", "/etc/flowbot/flowbot.yaml"}); diff != "" {
			t.Errorf("CMD (-got +want):\n%s", diff)
		}
		if diff := cmp.Diff(img.expose, []string{"8080"}); diff != "" {
			t.Errorf("EXPOSE (-got +want):\n%s", diff)
		}
	})
}

// configPath is where the image's CMD reads flowbot.yaml.
func configPath(t *testing.T, img image) string {
	t.Helper()
	i := slices.Index(img.cmd, "--config")
	if i < 0 || i+1 >= len(img.cmd) {
		t.Fatalf("CMD %q has no --config PATH", img.cmd)
	}
	return img.cmd[i+1]
}

// TestBinary runs the Dockerfile's own go build line (its environment and
// flags, with -o moved to a temporary directory) and checks the result is a
// static executable that reads the example configuration.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/flowbot")
	}
	img := readImage(t)
	bin := filepath.Join(t.TempDir(), "flowbot")
	args := slices.Clone(img.buildArgs)
	args[slices.Index(args, "-o")+1] = bin

	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot
	// The image is Linux; building for it keeps the ELF check meaningful
	// on any host.
	cmd.Env = append(os.Environ(), "GOOS=linux")
	cmd.Env = append(cmd.Env, img.buildEnv...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s go %q: %v\n%s", strings.Join(img.buildEnv, " "), args, err, out)
	}

	t.Run("statically linked", func(t *testing.T) {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s has a PT_INTERP program header: it is dynamically linked and will not start on a distroless/static base", bin)
			}
		}
		if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
			t.Errorf("%s imports shared libraries %q (err %v)", bin, libs, err)
		}
	})
	t.Run("checks the example configuration", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("the binary is built for Linux")
		}
		// An empty environment, as in a fresh container: config check must
		// still read the file (the environment's gaps are only reported).
		out, err := runIn(bin, nil, "config", "check", "--config", "flowbot.yaml")
		if err != nil {
			t.Fatalf("flowbot config check --config deploy/flowbot.yaml: %v\n%s", err, out)
		}
	})
}

func runIn(bin string, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	return cmd.CombinedOutput()
}

// --- Kubernetes ---

type meta struct {
	Name   string            `yaml:"name"`
	Labels map[string]string `yaml:"labels"`
}

// object is any manifest: what every Kubernetes object has.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   meta   `yaml:"metadata"`
}

type securityContext struct {
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	RunAsUser                *int64 `yaml:"runAsUser"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	EnvFrom []struct {
		SecretRef *struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	Env []struct {
		Name string `yaml:"name"`
	} `yaml:"env"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
	SecurityContext securityContext `yaml:"securityContext"`
	Resources       struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
}

type podTemplate struct {
	Metadata meta `yaml:"metadata"`
	Spec     struct {
		SecurityContext securityContext `yaml:"securityContext"`
		Containers      []container     `yaml:"containers"`
		Volumes         []struct {
			Name      string `yaml:"name"`
			ConfigMap *struct {
				Name string `yaml:"name"`
			} `yaml:"configMap"`
		} `yaml:"volumes"`
	} `yaml:"spec"`
}

type workload struct {
	Spec struct {
		Replicas    *int   `yaml:"replicas"`
		ServiceName string `yaml:"serviceName"`
		Selector    struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template             podTemplate `yaml:"template"`
		VolumeClaimTemplates []struct {
			Metadata meta `yaml:"metadata"`
		} `yaml:"volumeClaimTemplates"`
	} `yaml:"spec"`
}

type service struct {
	Spec struct {
		ClusterIP string            `yaml:"clusterIP"`
		Selector  map[string]string `yaml:"selector"`
		Ports     []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type dataObject struct {
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
}

// manifest is one YAML document of a file under kubernetes/.
type manifest struct {
	file string
	object
	node *yaml.Node
}

func (m manifest) decode(t *testing.T, v any) {
	t.Helper()
	if err := m.node.Decode(v); err != nil {
		t.Fatalf("%s: %s %s: %v", m.file, m.Kind, m.Metadata.Name, err)
	}
}

// decodeAll reads every document of a multi-document YAML file.
func decodeAll(data []byte) ([]*yaml.Node, error) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &n)
	}
}

// manifestFiles lists the manifests under kubernetes/, kustomization.yaml aside.
func manifestFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	yml, err := filepath.Glob("kubernetes/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(append(files, yml...), func(f string) bool {
		return filepath.Base(f) == "kustomization.yaml"
	})
	if len(files) == 0 {
		t.Fatal("no manifests under kubernetes/")
	}
	slices.Sort(files)
	return files
}

// readManifests parses every manifest and indexes them by kind/name.
func readManifests(t *testing.T) map[string]manifest {
	t.Helper()
	all := map[string]manifest{}
	for _, file := range manifestFiles(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := decodeAll(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, doc := range docs {
			m := manifest{file: file, node: doc}
			m.decode(t, &m.object)
			key := m.Kind + "/" + m.Metadata.Name
			if prev, dup := all[key]; dup {
				t.Fatalf("%s defined in %s and %s", key, prev.file, file)
			}
			all[key] = m
		}
	}
	return all
}

func need(t *testing.T, all map[string]manifest, key string) manifest {
	t.Helper()
	m, ok := all[key]
	if !ok {
		t.Fatalf("no %s among the manifests (have %v)", key, slices.Sorted(maps.Keys(all)))
	}
	return m
}

func TestManifestsParse(t *testing.T) {
	for _, file := range manifestFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			docs, err := decodeAll(data)
			if err != nil {
				t.Fatalf("not YAML: %v", err)
			}
			if len(docs) == 0 {
				t.Fatal("no documents")
			}
			for i, doc := range docs {
				var o object
				if err := doc.Decode(&o); err != nil {
					t.Fatalf("document %d: %v", i+1, err)
				}
				if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
					t.Errorf("document %d (line %d): apiVersion %q, kind %q, metadata.name %q: want all three", i+1, doc.Line, o.APIVersion, o.Kind, o.Metadata.Name)
				}
			}
		})
	}
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	data, err := os.ReadFile("kubernetes/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		object    `yaml:",inline"`
		Resources []string `yaml:"resources"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	if k.Kind != "Kustomization" {
		t.Errorf("kind %q, want Kustomization", k.Kind)
	}
	var want []string
	for _, f := range manifestFiles(t) {
		want = append(want, filepath.Base(f))
	}
	got := slices.Sorted(slices.Values(k.Resources))
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("resources vs the files in kubernetes/ (-got +want):\n%s", diff)
	}
}

// flowbotContainer is the Deployment's flowbot container.
func flowbotContainer(t *testing.T, d workload) container {
	t.Helper()
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == "flowbot" {
			return c
		}
	}
	t.Fatal("Deployment flowbot has no container named flowbot")
	return container{}
}

func TestDeployment(t *testing.T) {
	all := readManifests(t)
	var d workload
	need(t, all, "Deployment/flowbot").decode(t, &d)
	c := flowbotContainer(t, d)
	pod := d.Spec.Template.Spec
	img := readImage(t)

	t.Run("two replicas", func(t *testing.T) {
		if d.Spec.Replicas == nil {
			t.Fatal("replicas unset (1), want 2")
		}
		if got := *d.Spec.Replicas; got != 2 {
			t.Errorf("replicas %d, want 2", got)
		}
	})
	t.Run("selector matches the pods", func(t *testing.T) {
		sel := d.Spec.Selector.MatchLabels
		if len(sel) == 0 {
			t.Fatal("no selector.matchLabels")
		}
		for k, v := range sel {
			if d.Spec.Template.Metadata.Labels[k] != v {
				t.Errorf("selector %s=%s not among the pod labels %v", k, v, d.Spec.Template.Metadata.Labels)
			}
		}
	})
	t.Run("runs non-root on a read-only root", func(t *testing.T) {
		nonRoot := c.SecurityContext.RunAsNonRoot
		if nonRoot == nil {
			nonRoot = pod.SecurityContext.RunAsNonRoot
		}
		if nonRoot == nil || !*nonRoot {
			t.Error("runAsNonRoot is not true")
		}
		for _, sc := range []securityContext{pod.SecurityContext, c.SecurityContext} {
			if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
				t.Error("runAsUser is 0 (root)")
			}
		}
		if p := c.SecurityContext.ReadOnlyRootFilesystem; p == nil || !*p {
			t.Error("readOnlyRootFilesystem is not true")
		}
		if p := c.SecurityContext.AllowPrivilegeEscalation; p == nil || *p {
			t.Error("allowPrivilegeEscalation is not false")
		}
	})
	t.Run("has resources", func(t *testing.T) {
		if len(c.Resources.Requests) == 0 || c.Resources.Limits["memory"] == "" {
			t.Errorf("requests %v, limits %v: want requests and a memory limit", c.Resources.Requests, c.Resources.Limits)
		}
	})
	t.Run("probes on the http port", func(t *testing.T) {
		var port int
		for _, p := range c.Ports {
			if p.Name == "http" {
				port = p.ContainerPort
			}
		}
		if want := img.expose[0]; fmt.Sprint(port) != want {
			t.Errorf("container port http = %d, want the image's EXPOSE %s", port, want)
		}
		for _, p := range []struct {
			name  string
			probe *probe
			path  string
		}{
			{"liveness", c.LivenessProbe, "/healthz"},
			{"readiness", c.ReadinessProbe, "/readyz"},
		} {
			if p.probe == nil || p.probe.HTTPGet == nil {
				t.Errorf("no %s httpGet probe", p.name)
				continue
			}
			if got := *p.probe.HTTPGet; got.Path != p.path || got.Port != "http" {
				t.Errorf("%s probe GET %s on port %s, want %s on http", p.name, got.Path, got.Port, p.path)
			}
		}
	})
	t.Run("mounts the ConfigMap where the image reads its config", func(t *testing.T) {
		var cm dataObject
		cmObj := need(t, all, "ConfigMap/flowbot-config")
		cmObj.decode(t, &cm)
		vol := ""
		for _, v := range pod.Volumes {
			if v.ConfigMap != nil && v.ConfigMap.Name == cmObj.Metadata.Name {
				vol = v.Name
			}
		}
		if vol == "" {
			t.Fatalf("no volume from ConfigMap %s", cmObj.Metadata.Name)
		}
		// The container's args, or the image's CMD when it has none.
		args := c.Args
		if args == nil {
			args = img.cmd
		}
		i := slices.Index(args, "--config")
		if i < 0 || i+1 >= len(args) {
			t.Fatalf("args %q have no --config", args)
		}
		want := args[i+1]
		found := false
		for _, m := range c.VolumeMounts {
			if m.Name != vol {
				continue
			}
			if !m.ReadOnly {
				t.Errorf("volume %s is mounted writable", vol)
			}
			for key := range cm.Data {
				found = found || path.Join(m.MountPath, key) == want
			}
		}
		if !found {
			t.Errorf("no key of ConfigMap %s is mounted at %s", cmObj.Metadata.Name, want)
		}
	})
	t.Run("takes its environment from the Secret", func(t *testing.T) {
		sec := need(t, all, "Secret/flowbot-secrets")
		from := false
		for _, e := range c.EnvFrom {
			from = from || e.SecretRef != nil && e.SecretRef.Name == sec.Metadata.Name
		}
		if !from {
			t.Errorf("envFrom lacks secretRef %s", sec.Metadata.Name)
		}
		// env wins over envFrom: a variable set here could not be changed
		// in the Secret, as docs/deploy.md says it can.
		for _, e := range c.Env {
			if slices.Contains(envVars, e.Name) {
				t.Errorf("env sets %s, which would shadow the Secret's", e.Name)
			}
		}
	})
	t.Run("service exposes the http port to the pods", func(t *testing.T) {
		var s service
		need(t, all, "Service/flowbot").decode(t, &s)
		for k, v := range s.Spec.Selector {
			if d.Spec.Template.Metadata.Labels[k] != v {
				t.Errorf("service selector %s=%s does not match the pods' labels", k, v)
			}
		}
		ok := false
		for _, p := range s.Spec.Ports {
			ok = ok || p.Name == "http" && p.Port == 8080 && p.TargetPort == "http"
		}
		if !ok {
			t.Errorf("service ports %+v, want http 8080 -> http", s.Spec.Ports)
		}
	})
}

func TestConfigMapHoldsAValidConfig(t *testing.T) {
	all := readManifests(t)
	var cm dataObject
	need(t, all, "ConfigMap/flowbot-config").decode(t, &cm)
	got, ok := cm.Data["flowbot.yaml"]
	if !ok {
		t.Fatalf("ConfigMap flowbot-config has no flowbot.yaml (keys %v)", slices.Sorted(maps.Keys(cm.Data)))
	}
	if _, err := config.Parse([]byte(got)); err != nil {
		t.Errorf("ConfigMap's flowbot.yaml does not pass flowbot's validation:\n%v", err)
	}
	// Compose mounts deploy/flowbot.yaml: the two examples are one.
	want, err := os.ReadFile("flowbot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, string(want)); diff != "" {
		t.Errorf("ConfigMap's flowbot.yaml vs deploy/flowbot.yaml (-got +want):\n%s", diff)
	}
}

func TestSecret(t *testing.T) {
	all := readManifests(t)
	var s dataObject
	need(t, all, "Secret/flowbot-secrets").decode(t, &s)
	if len(s.Data) > 0 {
		t.Errorf("Secret has data %v; keep placeholders in stringData", slices.Sorted(maps.Keys(s.Data)))
	}
	if diff := cmp.Diff(slices.Sorted(maps.Keys(s.StringData)), wantEnvVars(t)); diff != "" {
		t.Errorf("Secret keys (-got +want):\n%s", diff)
	}
	for _, k := range secretVars {
		if v := s.StringData[k]; v != "" {
			t.Errorf("Secret %s has a value; commit empty placeholders only", k)
		}
	}
	t.Run("REDIS_URL names the Redis service", func(t *testing.T) {
		u, err := url.Parse(s.StringData["REDIS_URL"])
		if err != nil {
			t.Fatal(err)
		}
		var svc service
		redis := need(t, all, "Service/"+u.Hostname())
		redis.decode(t, &svc)
		if svc.Spec.ClusterIP != "None" {
			t.Errorf("Service %s clusterIP %q, want None (headless)", u.Hostname(), svc.Spec.ClusterIP)
		}
		var sts workload
		need(t, all, "StatefulSet/"+u.Hostname()).decode(t, &sts)
		if sts.Spec.ServiceName != u.Hostname() {
			t.Errorf("StatefulSet serviceName %q, want %s", sts.Spec.ServiceName, u.Hostname())
		}
	})
}

func TestRedisStatefulSet(t *testing.T) {
	all := readManifests(t)
	var sts workload
	need(t, all, "StatefulSet/flowbot-redis").decode(t, &sts)
	if len(sts.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(sts.Spec.Template.Spec.Containers))
	}
	c := sts.Spec.Template.Spec.Containers[0]
	if !strings.Contains(strings.Join(c.Args, " "), "--appendonly yes") {
		t.Errorf("redis args %q lack --appendonly yes", c.Args)
	}
	if len(sts.Spec.VolumeClaimTemplates) != 1 {
		t.Fatalf("%d volumeClaimTemplates, want 1", len(sts.Spec.VolumeClaimTemplates))
	}
	claim := sts.Spec.VolumeClaimTemplates[0].Metadata.Name
	mounted := false
	for _, m := range c.VolumeMounts {
		mounted = mounted || m.Name == claim && m.MountPath == "/data"
	}
	if !mounted {
		t.Errorf("claim %s is not mounted at /data, where redis writes", claim)
	}
	if nr := sts.Spec.Template.Spec.SecurityContext.RunAsNonRoot; nr == nil || !*nr {
		t.Error("redis runAsNonRoot is not true")
	}
}

// --- Compose ---

// stringOrList is a Compose value written as one string or a list.
type stringOrList []string

func (s *stringOrList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = []string{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

// mapOrList is Compose's environment: a map, or a list of NAME=VALUE.
type mapOrList map[string]string

func (m *mapOrList) UnmarshalYAML(n *yaml.Node) error {
	*m = map[string]string{}
	if n.Kind == yaml.SequenceNode {
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		for _, kv := range l {
			k, v, _ := strings.Cut(kv, "=")
			(*m)[k] = v
		}
		return nil
	}
	return n.Decode((*map[string]string)(m))
}

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Command     stringOrList `yaml:"command"`
	EnvFile     stringOrList `yaml:"env_file"`
	Environment mapOrList    `yaml:"environment"`
	Volumes     []string     `yaml:"volumes"` // short syntax
	Healthcheck *struct {
		Test stringOrList `yaml:"test"`
	} `yaml:"healthcheck"`
}

type compose struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

func TestCompose(t *testing.T) {
	data, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	if diff := cmp.Diff(slices.Sorted(maps.Keys(c.Services)), []string{"flowbot", "redis"}); diff != "" {
		t.Fatalf("services (-got +want):\n%s", diff)
	}
	fb, redis := c.Services["flowbot"], c.Services["redis"]
	img := readImage(t)

	t.Run("redis persists to a named volume", func(t *testing.T) {
		if !strings.Contains(strings.Join(redis.Command, " "), "--appendonly yes") {
			t.Errorf("redis command %q lacks --appendonly yes", redis.Command)
		}
		ok := false
		for _, v := range redis.Volumes {
			src, dst, _ := strings.Cut(v, ":")
			_, named := c.Volumes[src]
			ok = ok || named && dst == "/data"
		}
		if !ok {
			t.Errorf("redis volumes %q: want a top-level named volume on /data", redis.Volumes)
		}
		if redis.Healthcheck == nil || len(redis.Healthcheck.Test) == 0 {
			t.Error("redis has no healthcheck for flowbot's depends_on to wait on")
		}
	})
	t.Run("flowbot reaches redis", func(t *testing.T) {
		u, err := url.Parse(fb.Environment["REDIS_URL"])
		if err != nil || u.Scheme != "redis" {
			t.Fatalf("flowbot REDIS_URL %q: want redis://redis:6379/0 (err %v)", fb.Environment["REDIS_URL"], err)
		}
		if _, ok := c.Services[u.Hostname()]; !ok {
			t.Errorf("REDIS_URL host %s is not a service", u.Hostname())
		}
	})
	t.Run("flowbot mounts its config read-only where the image reads it", func(t *testing.T) {
		want := configPath(t, img)
		ok := false
		for _, v := range fb.Volumes {
			parts := strings.Split(v, ":")
			if len(parts) != 3 || parts[1] != want {
				continue
			}
			ok = true
			if parts[2] != "ro" {
				t.Errorf("volume %s is not read-only", v)
			}
			if _, err := os.Stat(parts[0]); err != nil {
				t.Errorf("volume %s: %v", v, err)
			}
		}
		if !ok {
			t.Errorf("volumes %q mount nothing at %s", fb.Volumes, want)
		}
	})
	t.Run("flowbot builds from the Dockerfile", func(t *testing.T) {
		if fb.Build == nil {
			t.Fatal("flowbot has no build")
		}
		got, err := filepath.Abs(filepath.Join(fb.Build.Context, fb.Build.Dockerfile))
		if err != nil {
			t.Fatal(err)
		}
		want, err := filepath.Abs("Dockerfile")
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("build context %s + dockerfile %s = %s, want %s", fb.Build.Context, fb.Build.Dockerfile, got, want)
		}
		ctx, err := filepath.Abs(fb.Build.Context)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(ctx, "go.mod")); err != nil {
			t.Errorf("build context %s is not the module root: %v", fb.Build.Context, err)
		}
	})
	t.Run("flowbot's env_file has an example", func(t *testing.T) {
		if len(fb.EnvFile) != 1 {
			t.Fatalf("env_file %q, want one file", fb.EnvFile)
		}
		if _, err := os.Stat(fb.EnvFile[0] + ".example"); err != nil {
			t.Errorf("env_file %s: %v", fb.EnvFile[0], err)
		}
	})
}

// --- flowbot.env.example ---

// readmeEnvVars takes the variable names from README.md's environment table:
// rows whose first cell names variables in backquotes.
func readmeEnvVars(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(moduleRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")
	var vars []string
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, "|")
		for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
			vars = append(vars, m[1])
		}
	}
	if len(vars) == 0 {
		t.Fatal("README.md's environment table names no variables; has its format changed?")
	}
	return vars
}

// wantEnvVars is every variable flowbot reads: the fixed list and README's.
func wantEnvVars(t *testing.T) []string {
	t.Helper()
	all := slices.Concat(envVars, readmeEnvVars(t))
	slices.Sort(all)
	return slices.Compact(all)
}

func TestEnvExample(t *testing.T) {
	data, err := os.ReadFile("flowbot.env.example")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("line %d: %q is not NAME=VALUE", n+1, line)
			continue
		}
		if v != "" {
			t.Errorf("line %d: %s has a value; the example leaves every value empty", n+1, k)
		}
		if slices.Contains(got, k) {
			t.Errorf("line %d: %s again", n+1, k)
		}
		got = append(got, k)
	}
	slices.Sort(got)
	if diff := cmp.Diff(got, wantEnvVars(t)); diff != "" {
		t.Errorf("variables (-got +want):\n%s", diff)
	}
}
