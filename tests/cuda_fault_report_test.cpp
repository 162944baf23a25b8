// The host half of the CUDA fault records (src/cuda/fault_record.cpp, record_pool.cpp):
// runs without a GPU. The first fault since the last report is described as the CPU describes it,
// and the faulting launches after it are counted in the same message, so none is lost when a caller
// synchronised through CUDA in between, or several launches faulted before one report.
#include <gtest/gtest.h>

#include <string>

#include "cuda/record_pool.hpp"
#include "cuda/fault_record.hpp"

namespace advstep::testing {
namespace {

cuda::FaultReport negative_length_report(unsigned int later) {
  cuda::FaultReport report{};
  report.claimed = 1;
  report.later = later;
  report.fault.kind = core::FaultKind::kNegativeSeqLen;
  report.fault.sequence = 3;
  report.fault.value = -2;
  report.context = {"aclnnAdvanceStep", core::Contract::kCann, core::Path::kPlain, 0, 4, 4, 32};
  return report;
}

TEST(CudaFaultReport, TheFirstFaultAloneReadsAsOnTheCpu) {
  const Status status = cuda::describe(negative_length_report(0));
  EXPECT_EQ(status.code(), StatusCode::kDataFault);
  EXPECT_NE(status.message().find("aclnnAdvanceStep"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("-2"), std::string::npos) << status.message();
  EXPECT_EQ(status.message().find("later launch"), std::string::npos) << status.message();
}

TEST(CudaFaultReport, LaterFaultingLaunchesAreCountedWithTheFirst) {
  const std::string alone = cuda::describe(negative_length_report(0)).message();
  const Status one = cuda::describe(negative_length_report(1));
  EXPECT_EQ(one.code(), StatusCode::kDataFault);
  EXPECT_EQ(one.message(), alone + "; 1 later launch on this stream also faulted and wrote nothing");
  EXPECT_EQ(cuda::describe(negative_length_report(5)).message(),
            alone + "; 5 later launches on this stream also faulted and wrote nothing");
}

TEST(CudaFaultReport, AClaimedReportIsNeverSuccess) {
  cuda::FaultReport empty{};  // claimed, but no fault or context in it
  empty.claimed = 1;
  const Status status = cuda::describe(empty);
  EXPECT_EQ(status.code(), StatusCode::kDataFault) << status.message();
  EXPECT_NE(status.message().find("wrote nothing"), std::string::npos) << status.message();
  empty.later = 2;
  EXPECT_EQ(cuda::describe(empty).code(), StatusCode::kDataFault);
}

}  // namespace
}  // namespace advstep::testing

namespace advstep::testing {
namespace {

TEST(CudaFaultReport, ReportsOfSeveralRecordsMergeIntoTheFirstWithTheRestCounted) {
  cuda::FaultReport merged{};  // the stream's own record: nothing
  cuda::merge_report(merged, cuda::FaultReport{});
  EXPECT_EQ(merged.claimed, 0u);
  cuda::FaultReport first = negative_length_report(2);
  first.fault.sequence = 9;
  cuda::merge_report(merged, first);  // a captured launch: its fault and 2 later replays
  EXPECT_EQ(merged.claimed, 1u);
  EXPECT_EQ(merged.fault.sequence, 9);
  EXPECT_EQ(merged.later, 2u);
  cuda::merge_report(merged, cuda::FaultReport{});       // a record with nothing changes nothing
  cuda::merge_report(merged, negative_length_report(0));  // another faulting launch
  cuda::merge_report(merged, negative_length_report(3));  // and one with 3 more
  EXPECT_EQ(merged.fault.sequence, 9) << "the first stays the one described";
  EXPECT_EQ(merged.later, 2u + 1u + 4u);
}

}  // namespace
}  // namespace advstep::testing
