//! The librime adapter of the input-method port: pinyin → simplified Chinese with the
//! "luna_pinyin_simp" schema Debian ships (`rime-data-luna-pinyin`), converted to simplified
//! characters by OpenCC inside librime.
//!
//! librime is one engine per process (`RimeSetup`/`RimeInitialize` are global) and is not made
//! to be called from several threads, so one engine thread owns every call into it; composers
//! send it their keys and wait for the answer (a few milliseconds, docs/BENCHMARKS.md). The
//! first start prepares the dictionaries in the user data directory (seconds); until then
//! composers get `ImeError::Starting` rather than a frozen screen.
//!
//! Privacy: the kiosk serves strangers one after another, so nothing typed may outlive the
//! visit. The user dictionary (librime's learning of chosen words, kept on disk) is switched
//! off in the schema's patch, and a composer's session, with its commit history, is destroyed
//! when the composer is dropped.

use std::ffi::{CStr, CString, c_char, c_int};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};

use super::port::{Composer, Composition, ImeError, ImeKey, InputMethod};
use super::rime_ffi as ffi;

/// Where Debian's `rime-data-*` packages install the schemas and their prebuilt dictionaries.
pub const SHARED_DATA_DIR: &str = "/usr/share/rime-data";
/// The schema every composer uses: Quanpin, simplified characters.
const SCHEMA: &str = "luna_pinyin_simp";
/// Candidates per page: the candidate bar's length, selected with the keys 1–5.
pub const PAGE_SIZE: usize = 5;

/// What the user data directory gets before the engine starts (librime's `*.custom.yaml`
/// patches): only the one schema is deployed (a first start of seconds, not of every schema
/// in the package), five candidates a page, and no user dictionary.
const PATCHES: [(&str, &str); 2] = [
    (
        "default.custom.yaml",
        "patch:\n  schema_list:\n    - schema: luna_pinyin_simp\n  menu/page_size: 5\n",
    ),
    (
        "luna_pinyin_simp.custom.yaml",
        "patch:\n  menu/page_size: 5\n  translator/enable_user_dict: false\n",
    ),
];

#[derive(Debug, Clone)]
enum State {
    Starting,
    Ready,
    Failed(String),
}

enum Request {
    Open(Sender<Result<ffi::RimeSessionId, ImeError>>),
    Key(ffi::RimeSessionId, ImeKey, Sender<Composition>),
    Close(ffi::RimeSessionId),
}

/// The process's librime engine (a handle; clones share it).
#[derive(Clone)]
pub struct RimeEngine {
    state: Arc<Mutex<State>>,
    requests: Sender<Request>,
    user_data_dir: PathBuf,
}

static ENGINE: OnceLock<RimeEngine> = OnceLock::new();

/// Held by the engine thread while it is inside librime, and taken for good when the process
/// exits (the engine thread then never calls librime again).
static IN_LIBRIME: Mutex<()> = Mutex::new(());
/// librime was initialised (and must be finalised before the process exits).
static INITIALISED: AtomicBool = AtomicBool::new(false);

/// Runs at process exit, before librime's own static destructors (registered as librime
/// created its objects in `RimeSetup`/`RimeInitialize`, before this was registered, so run
/// after it): sessions still open are closed while the objects they use still exist. Left to
/// those destructors, closing them crashes the exiting process.
extern "C" fn finalise_at_exit() {
    std::mem::forget(IN_LIBRIME.lock());
    if INITIALISED.load(Ordering::SeqCst) {
        // SAFETY: the engine thread is outside librime and stays so (the lock is kept).
        unsafe {
            ffi::RimeCleanupAllSessions();
            ffi::RimeFinalize();
        }
    }
}

impl RimeEngine {
    /// The process's engine, started on first call with `user_data_dir` (created if missing;
    /// it holds the prepared dictionaries, never anything typed). Later calls return the same
    /// engine whatever directory they name: librime cannot run twice in one process.
    pub fn shared(user_data_dir: &Path) -> RimeEngine {
        ENGINE
            .get_or_init(|| Self::start(user_data_dir.to_path_buf()))
            .clone()
    }

    fn start(user_data_dir: PathBuf) -> RimeEngine {
        let state = Arc::new(Mutex::new(State::Starting));
        let (requests, inbox) = channel();
        let engine = RimeEngine {
            state: state.clone(),
            requests,
            user_data_dir: user_data_dir.clone(),
        };
        let spawned = std::thread::Builder::new()
            .name("ime".into())
            .spawn(move || run(&user_data_dir, &state, inbox));
        if let Err(e) = spawned {
            *engine.state.lock().unwrap_or_else(|p| p.into_inner()) =
                State::Failed(format!("cannot start the engine thread: {e}"));
        }
        engine
    }

    /// The user data directory the engine runs with.
    pub fn user_data_dir(&self) -> &Path {
        &self.user_data_dir
    }

    /// Waits until the engine has started (or failed to); for start-up measurements and tests.
    /// Errors as `open` would.
    pub fn wait_ready(&self, timeout: std::time::Duration) -> Result<(), ImeError> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            match self.check() {
                Err(ImeError::Starting) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                other => return other,
            }
        }
    }

    fn check(&self) -> Result<(), ImeError> {
        match &*self.state.lock().unwrap_or_else(|p| p.into_inner()) {
            State::Starting => Err(ImeError::Starting),
            State::Ready => Ok(()),
            State::Failed(why) => Err(ImeError::Unavailable(why.clone())),
        }
    }

    fn ask<T>(&self, request: impl FnOnce(Sender<T>) -> Request) -> Result<T, ImeError> {
        let lost = || ImeError::Unavailable("the engine thread has stopped".into());
        let (reply, answer) = channel();
        self.requests.send(request(reply)).map_err(|_| lost())?;
        answer.recv().map_err(|_| lost())
    }
}

impl InputMethod for RimeEngine {
    fn open(&self) -> Result<Box<dyn Composer>, ImeError> {
        self.check()?;
        let session = self.ask(Request::Open)??;
        Ok(Box::new(RimeComposer {
            engine: self.clone(),
            session,
        }))
    }
}

/// One librime session; destroyed (with whatever it saw) when dropped.
struct RimeComposer {
    engine: RimeEngine,
    session: ffi::RimeSessionId,
}

impl Composer for RimeComposer {
    fn press(&mut self, key: ImeKey) -> Result<Composition, ImeError> {
        if let ImeKey::Letter(c) = key
            && !c.is_ascii_lowercase()
        {
            return Err(ImeError::NotALetter(c));
        }
        if let ImeKey::Select(n) = key
            && n >= PAGE_SIZE
        {
            return Err(ImeError::NoSuchCandidate(n));
        }
        self.engine
            .ask(|reply| Request::Key(self.session, key, reply))
    }
}

impl Drop for RimeComposer {
    fn drop(&mut self) {
        // A stopped engine thread has nothing left to destroy.
        let _ = self.engine.requests.send(Request::Close(self.session));
    }
}

/// The engine thread: prepares and starts librime, then answers requests until every handle
/// is gone.
fn run(user_data_dir: &Path, state: &Mutex<State>, inbox: Receiver<Request>) {
    let started = std::time::Instant::now();
    let outcome = {
        let _inside = IN_LIBRIME.lock().unwrap_or_else(|p| p.into_inner());
        initialise(user_data_dir)
    };
    let set = |s: State| *state.lock().unwrap_or_else(|p| p.into_inner()) = s;
    match outcome {
        Ok(()) => {
            tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "input method ready (librime, {SCHEMA})"
            );
            set(State::Ready);
        }
        Err(why) => {
            tracing::warn!("input method unavailable: {why}");
            set(State::Failed(why));
            return;
        }
    }
    for request in inbox {
        let _inside = IN_LIBRIME.lock().unwrap_or_else(|p| p.into_inner());
        match request {
            Request::Open(reply) => {
                let _ = reply.send(open_session());
            }
            Request::Key(session, key, reply) => {
                let _ = reply.send(process(session, key));
            }
            Request::Close(session) => {
                // SAFETY: librime ignores ids it does not know.
                unsafe { ffi::RimeDestroySession(session) };
            }
        }
    }
}

fn initialise(user_data_dir: &Path) -> Result<(), String> {
    let shared = Path::new(SHARED_DATA_DIR);
    if !shared.join(format!("{SCHEMA}.schema.yaml")).is_file() {
        return Err(format!(
            "{SHARED_DATA_DIR}/{SCHEMA}.schema.yaml is missing: install rime-data-luna-pinyin"
        ));
    }
    std::fs::create_dir_all(user_data_dir)
        .map_err(|e| format!("cannot create {}: {e}", user_data_dir.display()))?;
    for (name, text) in PATCHES {
        let path = user_data_dir.join(name);
        // Rewritten only when different: a changed patch makes librime prepare its
        // dictionaries again (seconds without Chinese input at every start).
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    let c = |s: &str| CString::new(s).map_err(|_| format!("a NUL byte in {s:?}"));
    let shared_dir = c(SHARED_DATA_DIR)?;
    let user_dir = c(user_data_dir
        .to_str()
        .ok_or_else(|| format!("{} is not UTF-8", user_data_dir.display()))?)?;
    let app_name = c("rime.kiosk")?;
    let log_dir = c("")?;
    let mut traits = ffi::RimeTraits {
        data_size: ffi::data_size::<ffi::RimeTraits>(),
        shared_data_dir: shared_dir.as_ptr(),
        user_data_dir: user_dir.as_ptr(),
        distribution_name: std::ptr::null(),
        distribution_code_name: std::ptr::null(),
        distribution_version: std::ptr::null(),
        app_name: app_name.as_ptr(),
        modules: std::ptr::null(),
        // glog: errors only (no keystrokes are ever logged at any level).
        min_log_level: 2,
        log_dir: log_dir.as_ptr(),
        prebuilt_data_dir: std::ptr::null(),
        staging_dir: std::ptr::null(),
    };
    // SAFETY: the strings outlive the calls (librime copies them); called once per process
    // (the engine is a `OnceLock`), on this thread only.
    unsafe {
        ffi::RimeSetup(&mut traits);
        ffi::RimeInitialize(&mut traits);
        // Registered once (the engine is a `OnceLock`), after librime made its objects.
        libc::atexit(finalise_at_exit);
        INITIALISED.store(true, Ordering::SeqCst);
        if ffi::RimeStartMaintenance(0) != 0 {
            ffi::RimeJoinMaintenanceThread();
        }
    }
    // A session that cannot select the schema means the deployment failed.
    let probe = open_session().map_err(|e| e.to_string())?;
    // SAFETY: `probe` is a live session of this thread's engine.
    unsafe { ffi::RimeDestroySession(probe) };
    Ok(())
}

fn open_session() -> Result<ffi::RimeSessionId, ImeError> {
    let schema = CString::new(SCHEMA).expect("no NUL in the schema id");
    // SAFETY: called on the engine thread after initialisation.
    unsafe {
        let session = ffi::RimeCreateSession();
        if session == 0 {
            return Err(ImeError::Unavailable("librime created no session".into()));
        }
        if ffi::RimeSelectSchema(session, schema.as_ptr()) == 0 {
            ffi::RimeDestroySession(session);
            return Err(ImeError::Unavailable(format!(
                "schema {SCHEMA} is not deployed (see the log of the first start)"
            )));
        }
        Ok(session)
    }
}

fn keycode(key: ImeKey) -> c_int {
    match key {
        ImeKey::Letter(c) => c as c_int,
        ImeKey::Backspace => ffi::XK_BACKSPACE,
        ImeKey::Space => ' ' as c_int,
        // The select keys are 1–8 (librime's default labels, cut to the page size).
        ImeKey::Select(n) => ('1' as c_int) + n as c_int,
        ImeKey::PageDown => ffi::XK_PAGE_DOWN,
        ImeKey::PageUp => ffi::XK_PAGE_UP,
        ImeKey::Enter => ffi::XK_RETURN,
        ImeKey::Escape => ffi::XK_ESCAPE,
    }
}

/// Feeds one key to `session` and reads back what it committed and its context.
fn process(session: ffi::RimeSessionId, key: ImeKey) -> Composition {
    let mut out = Composition::default();
    // SAFETY: engine thread; each Get is paired with its Free, and the strings are copied
    // before the Free.
    unsafe {
        ffi::RimeProcessKey(session, keycode(key), 0);
        let mut commit = ffi::RimeCommit {
            data_size: ffi::data_size::<ffi::RimeCommit>(),
            text: std::ptr::null_mut(),
        };
        if ffi::RimeGetCommit(session, &mut commit) != 0 {
            out.committed = text(commit.text);
            ffi::RimeFreeCommit(&mut commit);
        }
        let mut context: ffi::RimeContext = std::mem::zeroed();
        context.data_size = ffi::data_size::<ffi::RimeContext>();
        if ffi::RimeGetContext(session, &mut context) != 0 {
            out.preedit = text(context.composition.preedit);
            let menu = &context.menu;
            if !menu.candidates.is_null() && menu.num_candidates > 0 {
                let shown =
                    std::slice::from_raw_parts(menu.candidates, menu.num_candidates as usize);
                out.candidates = shown.iter().map(|c| text(c.text)).collect();
            }
            out.page = menu.page_no.max(0) as usize;
            out.last_page = menu.is_last_page != 0;
            ffi::RimeFreeContext(&mut context);
        }
    }
    out
}

/// A C string librime owns, copied (empty for NULL).
///
/// # Safety
/// `p` is NULL or a valid NUL-terminated string.
unsafe fn text(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: per the function's contract.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}
