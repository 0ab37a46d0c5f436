// report.html is self-contained (no network reference) and renders in Debian's
// headless Chromium: the timelines and CDF plots are present as SVG and no script
// error occurred (the page's own check writes its counts into <body> attributes).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "tests/harness/process.h"

namespace failsim {
namespace {

TEST(HtmlReport, SelfContainedAndRendersInHeadlessChromium) {
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-html-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string src = FAILSIM_SOURCE_DIR;
  const auto run = testing::run_command("'" FAILSIM_BINARY "' run '" + src + "/scenarios/serotonin-exporter-partition.json' '" +
                                        src + "/scenarios/failover.json' --policy '" + src +
                                        "/scenarios/policies/paws360-as-built.json' --policy '" + src +
                                        "/scenarios/policies/health-gated-failover.json' --seeds 5 --out '" +
                                        dir.string() + "' 2>&1");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  const std::string html = testing::read_file((dir / "report.html").string());
  ASSERT_FALSE(html.empty());
  // Self-contained: no URL, no external script, style sheet or image.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);

  const auto profile = dir / "chromium-profile";
  const auto dom = testing::run_command(
      "timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync --user-data-dir='" +
      profile.string() + "' --dump-dom 'file://" + (dir / "report.html").string() + "' 2>/dev/null");
  ASSERT_EQ(dom.exit_code, 0) << "chromium failed (scripts/install-deps.sh installs it)";
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom.out, m,
                                std::regex("data-svg-count=\"(\\d+)\" data-timelines=\"(\\d+)\" data-cdfs=\"(\\d+)\" data-errors=\"(\\d+)\"")))
      << dom.out.substr(0, 500);
  // Four sections (2 scenarios x 2 policies): one timeline and two CDFs each.
  EXPECT_EQ(m[2], "4");
  EXPECT_EQ(m[3], "8");
  EXPECT_EQ(m[1], "12");
  EXPECT_EQ(m[4], "0") << "script errors in the page";
  EXPECT_NE(dom.out.find("<rect"), std::string::npos) << "timeline intervals rendered";
  EXPECT_NE(dom.out.find("class=\"curve\""), std::string::npos) << "CDF curves rendered";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim
