// patchward's own script: keyboard shortcuts only. Every page works without it.
// "/" focuses the page's search box, as on GitHub or MDN, unless the person is typing.
document.addEventListener("keydown", function (e) {
  if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) {
    return;
  }
  var t = e.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
    return;
  }
  var box = document.querySelector('input[type="search"]');
  if (box) {
    e.preventDefault();
    box.focus();
    box.select();
  }
});
