//! Whole screens. They render what they are given and report what the user did; the app
//! shell (`app.rs`) connects them to the store.

mod home;
mod sign_in;

pub use home::HomePage;
pub use sign_in::SignInPage;

#[cfg(test)]
mod tests;
