// Applies the saved theme before the page is drawn (a classic script in <head>, so there is no
// flash of the wrong colours). "auto" (nothing saved) follows the system's prefers-color-scheme.
(function () {
  try {
    var theme = localStorage.getItem("g4f.theme");
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  } catch (e) { /* storage disabled: follow the system */ }
})();
