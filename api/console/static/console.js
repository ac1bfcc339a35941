// The console's Alpine components (Alpine's CSP build evaluates no expressions: state and behaviour
// are registered here, and the pages name them). Loaded before Alpine, which fires alpine:init.
document.addEventListener("alpine:init", () => {
  // the sign-in form's key field: shown or masked, as its user chooses
  window.Alpine.data("secret", () => ({
    shown: false,
    toggle() { this.shown = !this.shown; },
    get type() { return this.shown ? "text" : "password"; },
    get label() {
      const button = this.$root.querySelector("[data-show]");
      return button ? button.dataset[this.shown ? "hide" : "show"] : "";
    },
  }));
});

// a printable document's Print button (no inline handlers: the pages' CSP forbids them)
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) window.print();
});
