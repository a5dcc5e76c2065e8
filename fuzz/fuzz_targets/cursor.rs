//! The pagination cursor (`GET /api/projects?after=…`) through `ProjectCursor::parse`. A
//! cursor that parses is one this server could have handed out: encoding it and parsing
//! again gives the same position.
#![no_main]

use libfuzzer_sys::fuzz_target;
use populatte::project::ProjectCursor;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cursor) = ProjectCursor::parse(raw) else {
        return;
    };
    let encoded = cursor.encode();
    assert_eq!(
        ProjectCursor::parse(&encoded),
        Ok(cursor),
        "{raw:?} -> {encoded:?}"
    );
});
