//! The part of librime's C API (`rime_api.h`, librime 1.8) the adapter calls, declared by hand:
//! a handful of functions and the structs they fill. Every struct that starts with `data_size`
//! is "versioned": the caller sets `data_size` to the struct's size minus that field
//! (`RIME_STRUCT_INIT`), and librime fills only the members that size covers.

use std::ffi::{c_char, c_int};

pub type Bool = c_int;
pub type RimeSessionId = usize;

#[repr(C)]
pub struct RimeTraits {
    pub data_size: c_int,
    pub shared_data_dir: *const c_char,
    pub user_data_dir: *const c_char,
    pub distribution_name: *const c_char,
    pub distribution_code_name: *const c_char,
    pub distribution_version: *const c_char,
    pub app_name: *const c_char,
    pub modules: *const *const c_char,
    pub min_log_level: c_int,
    pub log_dir: *const c_char,
    pub prebuilt_data_dir: *const c_char,
    pub staging_dir: *const c_char,
}

#[repr(C)]
pub struct RimeComposition {
    pub length: c_int,
    pub cursor_pos: c_int,
    pub sel_start: c_int,
    pub sel_end: c_int,
    pub preedit: *mut c_char,
}

#[repr(C)]
pub struct RimeCandidate {
    pub text: *mut c_char,
    pub comment: *mut c_char,
    pub reserved: *mut std::ffi::c_void,
}

#[repr(C)]
pub struct RimeMenu {
    pub page_size: c_int,
    pub page_no: c_int,
    pub is_last_page: Bool,
    pub highlighted_candidate_index: c_int,
    pub num_candidates: c_int,
    pub candidates: *mut RimeCandidate,
    pub select_keys: *mut c_char,
}

#[repr(C)]
pub struct RimeContext {
    pub data_size: c_int,
    pub composition: RimeComposition,
    pub menu: RimeMenu,
    pub commit_text_preview: *mut c_char,
    pub select_labels: *mut *mut c_char,
}

#[repr(C)]
pub struct RimeCommit {
    pub data_size: c_int,
    pub text: *mut c_char,
}

/// The `data_size` of a versioned struct `T` (`RIME_STRUCT_INIT`).
pub fn data_size<T>() -> c_int {
    (std::mem::size_of::<T>() - std::mem::size_of::<c_int>()) as c_int
}

// X11 keysyms librime takes as key codes (`rime/key_table.h`); letters and space are their
// ASCII codes.
pub const XK_BACKSPACE: c_int = 0xff08;
pub const XK_RETURN: c_int = 0xff0d;
pub const XK_ESCAPE: c_int = 0xff1b;
pub const XK_PAGE_UP: c_int = 0xff55;
pub const XK_PAGE_DOWN: c_int = 0xff56;

#[link(name = "rime")]
unsafe extern "C" {
    pub fn RimeSetup(traits: *mut RimeTraits);
    pub fn RimeInitialize(traits: *mut RimeTraits);
    pub fn RimeFinalize();
    pub fn RimeStartMaintenance(full_check: Bool) -> Bool;
    pub fn RimeJoinMaintenanceThread();
    pub fn RimeCreateSession() -> RimeSessionId;
    pub fn RimeDestroySession(session_id: RimeSessionId) -> Bool;
    pub fn RimeCleanupAllSessions();
    pub fn RimeSelectSchema(session_id: RimeSessionId, schema_id: *const c_char) -> Bool;
    pub fn RimeProcessKey(session_id: RimeSessionId, keycode: c_int, mask: c_int) -> Bool;
    pub fn RimeGetCommit(session_id: RimeSessionId, commit: *mut RimeCommit) -> Bool;
    pub fn RimeFreeCommit(commit: *mut RimeCommit) -> Bool;
    pub fn RimeGetContext(session_id: RimeSessionId, context: *mut RimeContext) -> Bool;
    pub fn RimeFreeContext(context: *mut RimeContext) -> Bool;
}
