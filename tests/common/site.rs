//! A throw-away site in a temp folder, written file by file (in the spirit of
//! Hugo's txtar test sites), built with the real `innobieb` binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A minimal theme: enough templates to render every kind of page.
pub const MINI_THEME: &[(&str, &str)] = &[
    (
        "themes/t/templates/base.html",
        "<!DOCTYPE html><html lang=\"{{ site.language }}\"><head><title>{{ page.title }}</title></head><body>{% block main %}{% endblock %}</body></html>\n",
    ),
    (
        "themes/t/templates/page.html",
        "{% extends \"base.html\" %}{% block main %}<h1>{{ page.title }}</h1>\n<div class=\"content\">{{ page.content }}</div>\n{% for g in page.backlinks %}<section class=\"bl\" data-field=\"{{ g.field }}\" data-collection=\"{{ g.collection_title }}\"><h2>{{ g.label }} ({{ g.count }})</h2>{% for l in g.links %}<a href=\"{{ l.page.url }}\">{{ l.page.title }}</a>{% if l.record %}<span class=\"rec\">{{ l.record.rol | default(value='') }}</span>{% endif %}{% endfor %}</section>\n{% endfor %}{% for r in page.related %}<a class=\"rel\" href=\"{{ r.url }}\">{{ r.title }}</a>{% endfor %}\n{% endblock %}\n",
    ),
    (
        "themes/t/templates/section.html",
        "{% extends \"base.html\" %}{% block main %}<h1>{{ page.title }}</h1>\n<ul>{% for p in paginator.pages %}<li><a href=\"{{ p.url }}\">{{ p.title }}</a>{% if p.date %} <time>{{ p.date | datum }}</time>{% endif %}</li>{% endfor %}</ul>\n{% if paginator.next %}<a rel=\"next\" href=\"{{ paginator.next }}\">volgende</a>{% endif %}{% if paginator.previous %}<a rel=\"prev\" href=\"{{ paginator.previous }}\">vorige</a>{% endif %}\n{% endblock %}\n",
    ),
    ("themes/t/templates/index.html", "{% extends \"section.html\" %}\n"),
    (
        "themes/t/templates/taxonomy.html",
        "{% extends \"base.html\" %}{% block main %}<h1>{{ page.title }}</h1><ul>{% for t in taxonomy.terms %}<li><a href=\"{{ t.url }}\">{{ t.name }}</a> ({{ t.count }})</li>{% endfor %}</ul>{% endblock %}\n",
    ),
    (
        "themes/t/templates/term.html",
        "{% extends \"base.html\" %}{% block main %}<h1>{{ term.name }}</h1><ul>{% for p in paginator.pages %}<li><a href=\"{{ p.url }}\">{{ p.title }}</a></li>{% endfor %}</ul>{% endblock %}\n",
    ),
];

/// The site.yaml line that turns search off. Test sites that do not test search have it:
/// Pagefind's indexing is most of a tiny site's build time.
pub const NO_SEARCH: &str = "search: { enabled: false }\n";

/// Whether a site.yaml text configures search itself (a top-level `search:` key).
fn has_search_key(yaml: &str) -> bool {
    yaml.lines().any(|l| l.starts_with("search:"))
}

pub struct TestSite {
    pub root: PathBuf,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Fails the test with the output when the exit code is not `code`.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "exit code\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    pub fn expect_success(&self) -> &Self {
        self.expect_code(0)
    }
}

impl TestSite {
    /// An empty temp folder.
    pub fn empty() -> TestSite {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let root = std::env::temp_dir().join(format!("innobieb-test-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&root).expect("temp dir");
        TestSite { root }
    }

    /// A site with the minimal theme and the given site.yaml body appended to a title, base URL
    /// and theme. Search is off ([`NO_SEARCH`], added at the end) unless `config_rest` has a
    /// `search:` key of its own.
    pub fn new(config_rest: &str) -> TestSite {
        let site = TestSite::empty();
        for (path, text) in MINI_THEME {
            site.write(path, text);
        }
        site.write("site.yaml", &format!("title: Test\nbase_url: https://example.org/\ntheme: t\n{config_rest}"));
        site.without_search()
    }

    /// Turns search off ([`NO_SEARCH`] at the end of site.yaml), unless site.yaml configures it.
    pub fn without_search(self) -> Self {
        let yaml = self.read("site.yaml");
        if !has_search_key(&yaml) {
            let sep = if yaml.is_empty() || yaml.ends_with('\n') { "" } else { "\n" };
            self.write("site.yaml", &format!("{yaml}{sep}{NO_SEARCH}"));
        }
        self
    }

    /// Copies a fixture folder from tests/fixtures/<name>.
    pub fn fixture(name: &str) -> TestSite {
        let site = TestSite::empty();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
        copy_dir(&src, &site.root);
        site
    }

    /// Copies `tests/fixtures/<name>` (the name used by the search tests).
    pub fn copy(name: &str) -> TestSite {
        TestSite::fixture(name)
    }

    /// Copies a file of the repository into the site (one source of truth for files
    /// such as the theme's scripts).
    pub fn copy_from_repo(&self, repo_rel: &str, rel: &str) -> &Self {
        let to = self.root.join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(repo_rel), &to)
            .unwrap_or_else(|e| panic!("cannot copy {repo_rel}: {e}"));
        self
    }

    /// `innobieb build -o <out>`, which must succeed.
    pub fn build_to(&self, out: &str) -> Run {
        let run = self.run(&["build", "-o", out]);
        run.expect_success();
        run
    }

    pub fn read_bytes(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.root.join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    /// Adds the minimal theme as `themes/t`.
    pub fn with_mini_theme(self) -> Self {
        for (path, text) in MINI_THEME {
            self.write(path, text);
        }
        self
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        self
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> &Self {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, bytes).expect("write");
        self
    }

    pub fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.root.join(rel)).expect("remove");
        self
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.root.join(rel).exists()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel))
            .unwrap_or_else(|e| panic!("cannot read {rel}: {e}; files: {:?}", self.files("public")))
    }

    /// Runs `innobieb <args>` in the site folder.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_innobieb"))
            .args(args)
            .current_dir(&self.root)
            .env("NO_COLOR", "1")
            .output()
            .expect("run innobieb");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn build(&self) -> Run {
        self.run(&["build"])
    }

    /// Every file under `rel`, relative to it, sorted.
    pub fn files(&self, rel: &str) -> Vec<String> {
        let base = self.root.join(rel);
        let mut out = Vec::new();
        collect(&base, &base, &mut out);
        out.sort();
        out
    }

    /// Every file under `rel` with its bytes.
    pub fn tree(&self, rel: &str) -> Vec<(String, Vec<u8>)> {
        self.files(rel)
            .into_iter()
            .map(|f| (f.clone(), std::fs::read(self.root.join(rel).join(&f)).expect("read")))
            .collect()
    }
}

impl Drop for TestSite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(base, &p, out);
        } else if let Ok(rel) = p.strip_prefix(base) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for e in std::fs::read_dir(src).unwrap_or_else(|e| panic!("{}: {e}", src.display())).flatten() {
        let p = e.path();
        let target = dst.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).expect("copy");
        }
    }
}
