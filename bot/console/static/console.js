// 小二客服工作台: new buyer messages appear without reloading (polling; shipped with the project).
// No inline script anywhere (the Content-Security-Policy forbids it): pages say what they want in data- attributes.
var Console = {
  followTranscript: function (handoffId) {
    var list = document.getElementById("transcript");
    if (!list) { return; }
    list.scrollTop = list.scrollHeight;
    setInterval(function () {
      fetch("/handoffs/" + handoffId + "/transcript", { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body || String(body.count) === list.dataset.count) { return; }
          list.innerHTML = body.html;
          list.dataset.count = String(body.count);
          list.scrollTop = list.scrollHeight;
        })
        .catch(function () {});
    }, 2000);
  },
  refreshEvery: function (ms) {
    setTimeout(function () { window.location.reload(); }, ms);
  }
};

document.addEventListener("DOMContentLoaded", function () {
  var page = document.body.dataset;
  if (page.followTranscript) { Console.followTranscript(page.followTranscript); }
  if (page.refreshEvery) { Console.refreshEvery(Number(page.refreshEvery)); }
});
