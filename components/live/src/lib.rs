#![warn(missing_docs)]
//! Live screen sessions: what each screen shows right now, how tablet commands change
//! it, the idle timer, the fan-out of every change to the screen's pages, and switching
//! every screen to a newly published hall version in place. No HTTP and no storage here:
//! the server crate moves these frames over WebSockets, and whoever owns the store feeds
//! [`Hub::switch`] and saves [`Hub::positions`] (see [`Hub::changes`]).

pub mod command;
mod hub;
mod place;
pub mod session;
pub mod view;

pub use command::{Command, Refusal, MAX_COMMAND};
pub use hub::{Hub, SavedPosition};
pub use session::{Applied, Frame, Session, SHOW_WAIT};
pub use view::{
    media_url, url_segment, Contrast, Paging, Position, Prefs, Stamp, TextSize, Visit, MAX_PAGES,
};
