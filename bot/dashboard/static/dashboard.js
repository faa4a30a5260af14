// Progressive enhancement only: every page works without it.
// 1. Forms with data-confirm ask before they send (ending a match, confirming a round, dismissing a lead).
// 2. "Copy the reply" buttons copy a lead's ready-to-paste reply.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
document.querySelectorAll("button.copy-button").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", async () => {
    const area = document.getElementById(button.dataset.copy);
    if (!area) return;
    try {
      await navigator.clipboard.writeText(area.value);
    } catch (error) {
      area.select();
      document.execCommand("copy");
    }
    button.textContent = "Copied";
  });
});
