//! A user's picture, or their initials when there is none.

use leptos::prelude::*;

/// Decorative: the name is always written next to it, so the image has empty alt text.
#[component]
pub fn Avatar(
    /// Who it is; the initials come from it.
    #[prop(into)]
    name: String,
    #[prop(into)] image_url: Option<String>,
    /// Width and height in CSS pixels.
    #[prop(default = 32)]
    size: u32,
) -> impl IntoView {
    let style = format!("width:{size}px;height:{size}px");
    match image_url.filter(|url| !url.is_empty()) {
        Some(url) => {
            view! { <img class="avatar" src=url alt="" width=size height=size style=style /> }
                .into_any()
        }
        None => view! {
            <span class="avatar initials" aria-hidden="true" style=style>
                {initials(&name)}
            </span>
        }
        .into_any(),
    }
}

/// "Ada Lovelace" → "AL"; "ada@example.com" → "A".
pub fn initials(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .collect();
    if letters.is_empty() {
        "?".into()
    } else {
        letters.to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_take_the_first_letters_of_two_words() {
        assert_eq!(initials("Ada Lovelace"), "AL");
        assert_eq!(initials("ada@example.com"), "A");
        assert_eq!(initials("Jean Claude Van Damme"), "JC");
        assert_eq!(initials("  "), "?");
        assert_eq!(initials("Émile zola"), "ÉZ");
    }
}
