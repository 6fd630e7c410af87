//! Live screen sessions: what each screen shows right now, how tablet commands change
//! it, the idle timer, and the fan-out of every change to the screen's pages. No HTTP
//! here: the server crate moves these frames over WebSockets.

pub mod command;
pub mod session;
pub mod view;

pub use command::{Command, Refusal, MAX_COMMAND};
pub use session::{Applied, Frame, Hub, Session};
pub use view::{media_url, url_segment, Position};
